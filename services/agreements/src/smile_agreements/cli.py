"""``smile-agreements api | worker | migrate | seed | dead-letters | outbox``."""

from __future__ import annotations

from collections.abc import Sequence

from smile_agreements.definition import DEFINITION
from smile_common.cli import main as _main


def main(argv: Sequence[str] | None = None) -> int:
    return _main(DEFINITION, argv)
