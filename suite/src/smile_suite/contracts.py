"""The suite's contracts, generated from the code: OpenAPI per service, JSON Schema per event, AsyncAPI.

``smile contracts`` writes them under ``tests/contract/``; ``smile contracts --check`` fails when the
committed files differ from what the code would generate (drift). The contract tests run the check and
classify every change against the previous committed version (see :mod:`smile_suite.compat`).
"""

from __future__ import annotations

import asyncio
import copy
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smile_common.events import EventPayload, InMemoryBus
from smile_common.events.envelope import published_event_types
from smile_common.service import ServiceDefinition, bootstrap, create_service_app
from smile_suite.registry import SERVICES

__all__ = ["CONTRACT_DIR", "Contracts", "generate", "repository_root"]

ENVELOPE_HEADERS = "CloudEventsAmqpHeaders"


def repository_root(start: Path | None = None) -> Path:
    """The checkout holding ``tests/contract`` (walking up from ``start`` or from this file)."""
    for parent in [(start or Path(__file__)).resolve(), *(start or Path(__file__)).resolve().parents]:
        if (parent / "tests" / "contract").is_dir() and (parent / "Makefile").exists():
            return parent
    raise FileNotFoundError("tests/contract not found: run from a checkout of the repository")


CONTRACT_DIR = Path("tests") / "contract"


@dataclass
class Contracts:
    """Every generated document, by path relative to the repository root."""

    files: dict[str, str]

    def write(self, root: Path) -> list[str]:
        changed = []
        for relative, text in self.files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                changed.append(relative)
        for stale in self._stale(root):
            (root / stale).unlink()
            changed.append(stale)
        return changed

    def drift(self, root: Path) -> list[str]:
        """Files whose committed text differs from the generated one (or that should not exist)."""
        out = [rel for rel, text in self.files.items() if _read(root / rel) != text]
        return out + list(self._stale(root))

    def _stale(self, root: Path) -> Iterator[str]:
        for folder in ("openapi", "events"):
            directory = root / CONTRACT_DIR / folder
            if directory.is_dir():
                for path in sorted(directory.glob("*.json")):
                    relative = str(path.relative_to(root))
                    if relative not in self.files:
                        yield relative


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def generate() -> Contracts:
    """Build every contract document from the code as it is now."""
    files: dict[str, str] = {}
    consumers: dict[str, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _, definition in SERVICES:
            document, consumed = _service_contract(definition, Path(tmp))
            files[str(CONTRACT_DIR / "openapi" / f"{definition.name}.json")] = _dump(document)
            for event_type, consumer in consumed:
                consumers.setdefault(event_type, []).append((definition.name, consumer))
    for event_type, model in sorted(published_event_types().items()):
        files[str(CONTRACT_DIR / "events" / f"{event_type}.json")] = _dump(event_schema(model))
    files[str(CONTRACT_DIR / "asyncapi.json")] = _dump(asyncapi(consumers))
    return Contracts(files)


def _service_contract(definition: ServiceDefinition, tmp: Path) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    settings = definition.settings_cls(data_dir=tmp / definition.name, database_url=None, amqp_url=None)
    runtime = bootstrap(definition, settings, bus=InMemoryBus())
    try:
        app = create_service_app(definition, runtime)
        document = app.openapi()
        consumed = [
            (event_type, consumer.name) for consumer in runtime.consumers() for event_type in consumer.event_types
        ]
    finally:
        asyncio.run(runtime.close())
    return document, consumed


def event_schema(model: type[EventPayload]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:smile:event:{model.event_type}",
        "x-producer": model.producer,
        **schema,
    }


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its ``$defs`` references replaced by the definitions (AsyncAPI embeds payloads)."""
    definitions = schema.get("$defs", {})

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:
                    raise ValueError(f"recursive event payload model {name} cannot be inlined")
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return {**resolve(copy.deepcopy(definitions[name]), (*seen, name)), **extra}
            return {k: resolve(v, seen) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema, ())
    return resolved


def _headers_schema() -> dict[str, Any]:
    def text(description: str) -> dict[str, Any]:
        return {"type": "string", "description": description}

    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in the AMQP binary binding (AMQP message headers).",
        "required": [
            "cloudEvents_specversion",
            "cloudEvents_id",
            "cloudEvents_source",
            "cloudEvents_type",
            "cloudEvents_time",
            "cloudEvents_tenant",
        ],
        "properties": {
            "cloudEvents_specversion": {"type": "string", "const": "1.0"},
            "cloudEvents_id": text("Event id (also the AMQP message_id); consumers deduplicate on it."),
            "cloudEvents_source": text("Producing service, e.g. /smile/catalogue."),
            "cloudEvents_type": text("Event type = routing key, <service>.<aggregate>.<event>.v<N>."),
            "cloudEvents_time": {"type": "string", "format": "date-time"},
            "cloudEvents_subject": text("Id of the aggregate the event is about."),
            "cloudEvents_tenant": text("SCHAC code of the university the event belongs to."),
            "cloudEvents_correlationid": text("Correlation id of the request or event that caused it."),
        },
    }


def asyncapi(consumers: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """One AsyncAPI 3.0 document for the whole event catalogue."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, model in sorted(published_event_types().items()):
        key = event_type.replace(".", "_")
        messages[key] = {
            "name": model.__name__,
            "title": event_type,
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else event_type,
            "contentType": "application/json",
            "headers": {"$ref": f"#/components/schemas/{ENVELOPE_HEADERS}"},
            "payload": _inline(model.model_json_schema()),
            "bindings": {"amqp": {"messageType": event_type, "bindingVersion": "0.3.0"}},
        }
        channels[key] = {
            "address": event_type,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": "smile.events", "type": "topic", "durable": True, "autoDelete": False},
                    "bindingVersion": "0.3.0",
                }
            },
        }
        channel_ref = {"$ref": f"#/channels/{key}"}
        message_ref = [{"$ref": f"#/channels/{key}/messages/{key}"}]
        operations[f"{model.producer}__publish__{key}"] = {
            "action": "send",
            "channel": channel_ref,
            "messages": message_ref,
            "summary": f"{model.producer} publishes {event_type} from its outbox.",
        }
        for service, consumer in sorted(set(consumers.get(event_type, []))):
            operations[f"{service}__{consumer.replace('.', '_')}__{key}"] = {
                "action": "receive",
                "channel": channel_ref,
                "messages": message_ref,
                "summary": f"{service} consumes it in {consumer} (queue smile.events.{consumer}).",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "SMILE domain events",
            "version": "1.0.0",
            "description": (
                "Every event exchanged between SMILE services over RabbitMQ (topic exchange `smile.events`, "
                "routing key = event type, one durable queue per consumer with a dead-letter queue). Payloads "
                "forbid unknown fields when produced; consumers ignore fields they do not know."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "rabbitmq:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The suite's RabbitMQ (set with SMILE_AMQP_URL).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {ENVELOPE_HEADERS: _headers_schema()}, "messages": messages},
    }


def main(*, check: bool) -> int:
    root = repository_root(Path.cwd())
    contracts = generate()
    if check:
        drift = contracts.drift(root)
        for relative in drift:
            print(f"contract drift: {relative} (run `make contracts` and commit the result)")
        return 1 if drift else 0
    for relative in contracts.write(root):
        print(f"wrote {relative}")
    return 0
