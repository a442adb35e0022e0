"""Structured JSON logs with a correlation id that follows a request across services and events."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["configure_logging", "correlation_id", "mask_personal", "mask_secrets"]

#: the correlation id of the request or event being handled, if any.
correlation_id: ContextVar[str | None] = ContextVar("smile_correlation_id", default=None)

_SECRET_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_\.=]+"), r"\1***"),
    (re.compile(r"eyJ[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*"), "***jwt***"),
    (re.compile(r"(?i)(password|secret|token)(=|\":\s*\"|:\s*)([^&\s\",]+)"), r"\1\2***"),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1***@"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"), "***key***"),
]

#: personal identifiers: the ESI keeps its scheme and country, an e-mail its domain (enough to debug a
#: partner's data without naming the student); French student numbers (INE) and phone numbers go.
_PERSONAL_PATTERNS = [
    (re.compile(r"(?i)(urn:schac:personalUniqueCode:[a-z]+:[a-z]+:[^:\s\"'<>]+:)[^\s\"'<>,;]+"), r"\1***"),
    (re.compile(r"[A-Za-z0-9._%+\-]+@((?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,})"), r"***@\1"),
    (re.compile(r"\b\d{9}[0-9A-Z][A-Z]\b"), "***ine***"),
    (re.compile(r"(?<![\w+])\+\d{1,3}[\d .\-()]{6,}\d"), "+***"),
]


def mask_personal(text: str) -> str:
    """Hide personal identifiers: ESI codes, e-mail addresses, INE, international phone numbers."""
    for pattern, replacement in _PERSONAL_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def mask_secrets(text: str) -> str:
    """Hide bearer tokens, JWTs, passwords in URLs or forms, private keys and personal identifiers."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return mask_personal(text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
        }
        cid = correlation_id.get()
        if cid:
            entry["correlation_id"] = cid
        for key, value in getattr(record, "__dict__", {}).items():
            if key.startswith("smile_"):
                entry[key[6:]] = mask_secrets(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        cid = correlation_id.get()
        prefix = f"[{cid[:8]}] " if cid else ""
        text = f"{record.levelname:<7} {record.name}: {prefix}{record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return mask_secrets(text)


def configure_logging(service: str, level: str = "INFO", *, json_logs: bool = True) -> None:
    """Send every log line to stderr, as JSON by default (one object per line)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if json_logs else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiormq", "aio_pika", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # uvicorn installs its own handlers; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
