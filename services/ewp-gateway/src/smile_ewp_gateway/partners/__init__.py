"""Calling partners' EWP APIs: discovery through the registry, signed requests, verified responses."""
