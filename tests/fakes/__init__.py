"""Test doubles for the services crebot talks to (Slack Web API, the virtual Slack user)."""
