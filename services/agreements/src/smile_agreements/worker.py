"""The consumers of the agreements service."""

from __future__ import annotations

from collections.abc import Sequence

from smile_common.events import Consumer
from smile_common.service import Runtime


def consumers(runtime: Runtime) -> Sequence[Consumer]:
    return []
