"""Errors every adapter raises, so that callers know whether to retry."""

from __future__ import annotations

__all__ = [
    "SisAuthenticationError",
    "SisError",
    "SisNotFound",
    "SisNotSupported",
    "SisRejected",
    "SisUnavailable",
]


class SisError(Exception):
    """Something went wrong talking to the SIS. ``retryable`` says whether trying later may help."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.detail:
            parts.append(f": {self.detail[:500]}")
        return " ".join(parts)


class SisUnavailable(SisError):  # noqa: N818 - named after what happened, like HTTP statuses
    """The SIS did not answer in time, answered 5xx, or could not be reached: retry later."""

    retryable = True


class SisRejected(SisError):  # noqa: N818 - named after what happened, like HTTP statuses
    """The SIS refused the request (4xx, functional error): retrying the same request will not help."""


class SisAuthenticationError(SisError):
    """The SIS refused SMILE's credentials (wrong password, missing rights)."""


class SisNotFound(SisError):  # noqa: N818 - named after what happened, like HTTP statuses
    """The learner, period or object asked for does not exist in the SIS."""


class SisNotSupported(SisError):  # noqa: N818 - named after what happened, like HTTP statuses
    """This adapter cannot do this (e.g. Pégase has no public bulk export of a period's marks)."""
