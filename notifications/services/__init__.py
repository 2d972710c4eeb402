"""Writes of the notifications app: the outbox, campaigns, subscriptions and reminders."""
