"""Notifications: events asking to tell someone something, and the mailer that sends them (FR/EN)."""
