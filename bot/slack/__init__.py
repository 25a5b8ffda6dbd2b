"""The Slack edge: the Bolt app, listeners, Block Kit builders and the outbox handlers."""
