"""SMILE indicators service: read models fed by every service's events."""
