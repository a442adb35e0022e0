"""A fake EWP partner node and a fake EWP registry, for tests and for ``make run``'s EWP demo.

They speak the real protocol over real HTTP: the registry merges manifests into a catalogue the way
the official registry does; the partner serves the official example data (adapted to the partner's
ids) with HTTP signatures, calls SMILE and keeps what SMILE tells it. Never use them in production.
"""
