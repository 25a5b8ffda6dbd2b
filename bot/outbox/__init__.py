"""The durable outbox: work for Slack is a row first, and a call later.

A service that changes an incident enqueues the Slack work in the same transaction, so the
change and the promise to tell Slack commit together. A worker claims due rows, runs the
handler registered for their kind, and retries with backoff; after a crash a lease runs out
and another worker picks the row up.
"""
