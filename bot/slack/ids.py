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
# ... and their modals' parts (bot/slack/notify_actions.py)
EDIT_VIEW = "notification_edit_modal"
DRAFT_KIND = "notification_draft_kind"  # dispatches block_actions: the text is redrafted
DRAFT_TEXT = "notification_text"
REJECT_REASON = "notification_reject_reason"

# Storm mode (bot/slack/storm_actions.py)
STORM_APPROVE_ALL = "storm_approve_all"  # the platform header: every tenant's draft at once

# Modals
INTAKE_VIEW = "intake_modal"
DECLARE_SHORTCUT = "declare_cre_incident"
DRAFT_VIEW = "draft_modal"
REJECT_VIEW = "reject_modal"

# The intake modal (bot/slack/intake_modal.py). Every input's action_id is INTAKE_PREFIX plus
# its form field name; the four below also dispatch block_actions, to redraw the modal.
INTAKE_PREFIX = "intake_"
INTAKE_TENANT = "intake_tenant"
INTAKE_SYMPTOM = "intake_symptom"
INTAKE_SIGNATURE = "intake_signature"
INTAKE_SCOPE = "intake_scope"

# Resolve, review and learn (issue 8)
REVIEW_OPEN = "incident_review_open"  # opens the review modal of a resolved incident
REVIEW_GROUP_OPEN = "alert_group_review_open"  # opens the review of a triage alert group
POSTMORTEM = "incident_postmortem"
REVIEW_VIEW = "review_modal"
GROUP_REVIEW_VIEW = "alert_group_review_modal"
ACTION_ITEM_VIEW = "action_item_modal"
REVIEW_VERDICT = "review_verdict"
REVIEW_CALIBRATION = "review_calibration"
REVIEW_GROUP_NOTE = "review_group_note"
REVIEW_NOTE = "review_note"
ACTION_TEXT = "action_item_text"
ACTION_OWNER = "action_item_owner"
ACTION_DUE = "action_item_due"
