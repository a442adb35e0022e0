"""Hardening of every API: security headers and rate limits (size limits are in :mod:`smile_common.limits`)."""

from smile_common.hardening.headers import API_CSP, SecurityHeadersMiddleware
from smile_common.hardening.ratelimit import RATE_LIMITED, Rate, RateLimiter, RateLimitMiddleware, parse_rate

__all__ = [
    "API_CSP",
    "RATE_LIMITED",
    "Rate",
    "RateLimitMiddleware",
    "RateLimiter",
    "SecurityHeadersMiddleware",
    "parse_rate",
]
