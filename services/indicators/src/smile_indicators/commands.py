"""``smile-indicators rebuild``: replay the event log into fresh read models."""

from __future__ import annotations

import argparse
import json

from smile_common.service import Runtime, ServiceCommand
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.rebuild import rebuild

__all__ = ["COMMANDS"]


async def _rebuild(runtime: Runtime, args: argparse.Namespace) -> int:
    report = await rebuild(runtime.database, PROJECTOR)
    print(json.dumps({"service": runtime.name, "rebuild": report.as_dict()}))
    return 1 if report.invalid else 0


COMMANDS = [
    ServiceCommand(
        name="rebuild",
        help="empty the read models and replay every logged event into them (same figures, from scratch)",
        run=_rebuild,
    )
]
