"""``smile-records api | worker | migrate | seed | dead-letters | outbox``."""

from __future__ import annotations

from collections.abc import Sequence

from smile_common.cli import main as _main
from smile_records.definition import DEFINITION


def main(argv: Sequence[str] | None = None) -> int:
    return _main(DEFINITION, argv)
