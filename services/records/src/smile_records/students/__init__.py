"""Incoming students: identity, home university, ESI, INE, contact; the mobilities records follows."""
