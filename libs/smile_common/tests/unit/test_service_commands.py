"""A service adds its own commands to ``smile-<service>``; a consumer may set its own concurrency."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import sqlalchemy as sa

from smile_common.cli import main
from smile_common.db import make_metadata
from smile_common.events import Consumer, Outbox, messaging_tables
from smile_common.service import Runtime, ServiceCommand, ServiceDefinition
from smile_common.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    service_name = "demo"


def _definition(commands: list[ServiceCommand]) -> ServiceDefinition:
    metadata = make_metadata("demo")
    tables = messaging_tables(metadata)
    return ServiceDefinition(
        name="demo",
        title="Demo",
        description="",
        version="0",
        settings_cls=DemoSettings,
        metadata=metadata,
        tables=tables,
        outbox=Outbox(tables.outbox, source="/demo"),
        migrations_dir=Path("."),
        routers=lambda: [],
        commands=commands,
    )


def test_a_service_command_runs_with_its_own_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMILE_DATA_DIR", str(tmp_path))
    seen: dict[str, object] = {}

    async def greet(runtime: Runtime, args: argparse.Namespace) -> int:
        seen.update(service=runtime.name, name=args.name)
        return 3

    command = ServiceCommand(
        name="greet", help="say hello", run=greet, configure=lambda p: p.add_argument("--name", default="x")
    )
    assert main(_definition([command]), ["greet", "--name", "Ada"]) == 3
    assert seen == {"service": "demo", "name": "Ada"}
    with pytest.raises(SystemExit):
        main(_definition([]), ["greet"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_consumer_may_ask_for_its_own_concurrency(tmp_path: Path) -> None:
    tables = messaging_tables(sa.MetaData(schema="demo"))
    assert Consumer("a", None, tables).concurrency is None  # type: ignore[arg-type]
    assert Consumer("b", None, tables, concurrency=64).concurrency == 64  # type: ignore[arg-type]
