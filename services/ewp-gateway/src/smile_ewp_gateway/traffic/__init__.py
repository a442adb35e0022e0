"""The traffic log: every EWP exchange, inbound and outbound, searchable by the office and IT staff."""
