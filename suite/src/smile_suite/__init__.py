"""The SMILE suite as one process: all five services mounted under one server, for dev and demos."""
