"""Read models (facts and dimensions) and the reducers that build them from each producer's events."""
