"""Alerts on cargo at risk: rules, raising/resolving through the outbox, API and admin."""
