"""Webhook ingestion: one pure adapter per monitoring tool, turning its body into Alerts."""
