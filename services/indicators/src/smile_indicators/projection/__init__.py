"""Turning events into read models: the log, the reducers' registry, the live projector and the rebuild."""
