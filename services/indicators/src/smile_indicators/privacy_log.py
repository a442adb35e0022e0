"""What the event log keeps of a payload: only what the reducers read (see :mod:`smile_indicators.privacy`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["minimise"]

_STAFF = ("changed_by", "issued_by", "approved_by")
_STUDENT_KEPT = ("given_names", "family_name", "email", "citizenship")


def minimise(data: Mapping[str, Any], *, projected: bool) -> dict[str, Any]:
    """What the log keeps of an event's payload (the reducers never read what is removed)."""
    if not projected:
        return {}
    kept = dict(data)
    for name in _STAFF:
        if isinstance(kept.get(name), str):
            kept[name] = ""
    student = kept.get("student")
    if isinstance(student, Mapping):
        kept["student"] = {k: v for k, v in student.items() if k in _STUDENT_KEPT}
    for name in ("receiving_signature", "signature"):
        signature = kept.get(name)
        if isinstance(signature, Mapping):
            kept[name] = {"timestamp": signature.get("timestamp")}
    for name in ("comment", "reason"):
        if isinstance(kept.get(name), str):
            kept[name] = ""
    if kept.get("correction_reason") is not None:
        kept["correction_reason"] = None
    if isinstance(kept.get("components"), list):
        kept["components"] = [_component(c) for c in kept["components"]]
    return kept


def _component(component: Any) -> Any:
    if isinstance(component, Mapping) and "grade" in component:
        return {k: v for k, v in component.items() if k != "grade"}
    return component
