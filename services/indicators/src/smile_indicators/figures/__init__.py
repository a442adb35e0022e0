"""Indicators: filters, breakdowns and time series computed from the read models."""
