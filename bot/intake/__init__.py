"""The CRE intake: the structured record that turns a symptom into an actionable incident.

    fields.py      IntakeFields (one saved version), Scope, CheckResult, missing_fields()
    form.py        IntakeForm: the intake as typed (dates and wall-clock times in a zone)
    validation.py  validate(form, ...) -> IntakeFields, or IntakeInvalid keyed by field
    times.py       wall clock <-> UTC with zoneinfo, safe across daylight-saving changes
    prefill.py     what is known already: saved intake, alerts, playbook, a report's text
    service.py     save_revision(session, incident, fields, user, now), current(), revisions()
    submit.py      a submitted modal, queued and then run by the outbox (opens customer reports)
    customer.py    the template context for the fastest check and the customer's messages
    serialize.py   the `intake` member of GET /api/incidents/{id}

Every save is a new revision; the highest is the intake. Times are stored in UTC with the
reporter's timezone kept; responders see Slack date tokens, the customer the tenant's zone.

A customer report (`/cre declare`) for a tenant that already has an active incident with
the chosen signature attaches to that incident rather than opening a second one: see
`bot.incidents.service.open_customer_reported` and docs/intake.md.
"""
