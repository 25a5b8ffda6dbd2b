"""Every action_id and callback_id crebot uses, in one place: listeners and builders share them."""

from __future__ import annotations

COMMAND = "/cre"

# Incident header buttons
ACK = "incident_ack"
START_INTAKE = "incident_start_intake"
DRAFT_UPDATE = "incident_draft_update"
RESOLVE = "incident_resolve"
MITIGATE = "incident_mitigate"
CONFIRM_IMPACT = "incident_confirm_impact"
ACK_FALSE_POSITIVE = "incident_ack_false_positive"

# Customer notification approval
APPROVE = "notification_approve"
EDIT = "notification_edit"
REJECT = "notification_reject"
MARK_SENT = "notification_mark_sent"

# Modals
INTAKE_VIEW = "intake_modal"
DECLARE_SHORTCUT = "declare_cre_incident"
DRAFT_VIEW = "draft_modal"
REJECT_VIEW = "reject_modal"
