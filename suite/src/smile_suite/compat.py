"""Classify a contract change as compatible or breaking, for integrators and for event consumers.

OpenAPI: a change is breaking when a client written against the old document can fail against the new
one: an operation or success status removed, an operationId renamed, a request made stricter (new
required parameter or field, a field or enum value no longer accepted, a narrower type or limit), or a
response made looser (a field removed or made optional or nullable, a new enum value, another type).
Events: consumers read payloads, so the response rules apply; a breaking change needs a new event type
version (``.v2``), never an edit of the old one.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Change", "compare_event_schemas", "compare_openapi", "version_bumped"]

Direction = Literal["request", "response"]
METHODS = ("get", "put", "post", "delete", "patch", "options", "head")


@dataclass(frozen=True)
class Change:
    where: str
    what: str
    breaking: bool

    def __str__(self) -> str:
        return f"{'BREAKING' if self.breaking else 'compatible'}: {self.where}: {self.what}"


def version_bumped(old: str, new: str) -> bool:
    """Whether ``new`` announces a breaking change over ``old`` (major bump; minor while the major is 0)."""

    def parts(version: str) -> tuple[int, int]:
        match = re.match(r"^(\d+)\.(\d+)", version)
        return (int(match.group(1)), int(match.group(2))) if match else (0, 0)

    (old_major, old_minor), (new_major, new_minor) = parts(old), parts(new)
    if new_major != old_major:
        return new_major > old_major
    return old_major == 0 and new_minor > old_minor


class _Comparer:
    def __init__(self, old_doc: dict[str, Any], new_doc: dict[str, Any]) -> None:
        self.old_doc = old_doc
        self.new_doc = new_doc
        self.changes: list[Change] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, where: str, what: str, *, breaking: bool) -> None:
        self.changes.append(Change(where, what, breaking))

    # --- schemas ---------------------------------------------------------------------------------
    def resolve(self, schema: Any, doc: dict[str, Any]) -> Any:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref: str = schema["$ref"]
            node: Any = doc
            for part in ref.removeprefix("#/").split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**node, **extra} if extra else node
        return schema

    def schema(self, old: Any, new: Any, where: str, direction: Direction) -> None:
        key = (repr(old)[:400], repr(new)[:400], direction)
        if key in self._seen:
            return
        self._seen.add(key)
        old = self.resolve(old, self.old_doc)
        new = self.resolve(new, self.new_doc)
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        old_nullable, old = _split_nullable(old, self, self.old_doc)
        new_nullable, new = _split_nullable(new, self, self.new_doc)
        if old_nullable != new_nullable:
            looser = new_nullable and not old_nullable
            self.add(
                where, f"null {'now' if looser else 'no longer'} allowed", breaking=looser == (direction == "response")
            )
        old_types, new_types = _types(old), _types(new)
        if old_types and new_types and old_types != new_types:
            self.add(where, f"type {sorted(old_types)} -> {sorted(new_types)}", breaking=True)
            return
        self._enum(old, new, where, direction)
        self._limits(old, new, where, direction)
        if "object" in old_types or "properties" in old or "properties" in new:
            self._object(old, new, where, direction)
        if "items" in old or "items" in new:
            self.schema(old.get("items", {}), new.get("items", {}), f"{where}[]", direction)
        for combinator in ("anyOf", "oneOf", "allOf"):
            if old.get(combinator) != new.get(combinator) and (combinator in old or combinator in new):
                old_items = [self.resolve(s, self.old_doc) for s in old.get(combinator, [])]
                new_items = [self.resolve(s, self.new_doc) for s in new.get(combinator, [])]
                if old_items != new_items:
                    self.add(where, f"{combinator} alternatives changed", breaking=True)

    def _enum(self, old: dict[str, Any], new: dict[str, Any], where: str, direction: Direction) -> None:
        old_values = _enum_values(old)
        new_values = _enum_values(new)
        if old_values is None and new_values is None:
            return
        if old_values is not None and new_values is not None:
            removed, added = old_values - new_values, new_values - old_values
            if removed:
                self.add(where, f"values removed {sorted(map(str, removed))}", breaking=direction == "request")
            if added:
                self.add(where, f"values added {sorted(map(str, added))}", breaking=direction == "response")
        elif new_values is not None:
            self.add(where, "now restricted to fixed values", breaking=direction == "request")
        else:
            self.add(where, "no longer restricted to fixed values", breaking=direction == "response")

    def _limits(self, old: dict[str, Any], new: dict[str, Any], where: str, direction: Direction) -> None:
        if direction != "request":
            return
        for name, stricter in (
            ("maxLength", operator.lt),
            ("maximum", operator.lt),
            ("exclusiveMaximum", operator.lt),
            ("maxItems", operator.lt),
            ("minLength", operator.gt),
            ("minimum", operator.gt),
            ("exclusiveMinimum", operator.gt),
            ("minItems", operator.gt),
        ):
            a, b = old.get(name), new.get(name)
            if b is not None and (a is None or stricter(b, a)):
                self.add(where, f"{name} {a} -> {b}", breaking=True)
        if new.get("pattern") and new.get("pattern") != old.get("pattern"):
            self.add(where, f"pattern {old.get('pattern')!r} -> {new.get('pattern')!r}", breaking=True)

    def _object(self, old: dict[str, Any], new: dict[str, Any], where: str, direction: Direction) -> None:
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(old_props.keys() - new_props.keys()):
            closed = new.get("additionalProperties") is False
            breaking = direction == "response" or closed
            self.add(f"{where}.{name}", "property removed", breaking=breaking)
        for name in sorted(new_props.keys() - old_props.keys()):
            required = name in new_req
            self.add(
                f"{where}.{name}",
                f"{'required' if required else 'optional'} property added",
                breaking=direction == "request" and required,
            )
        for name in sorted(old_props.keys() & new_props.keys()):
            if name in new_req and name not in old_req:
                self.add(f"{where}.{name}", "now required", breaking=direction == "request")
            elif name in old_req and name not in new_req:
                self.add(f"{where}.{name}", "no longer required", breaking=direction == "response")
            self.schema(old_props[name], new_props[name], f"{where}.{name}", direction)

    # --- operations ------------------------------------------------------------------------------
    def document(self) -> None:
        old_ops, new_ops = _operations(self.old_doc), _operations(self.new_doc)
        for key in sorted(old_ops.keys() - new_ops.keys()):
            self.add(key, "operation removed", breaking=True)
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.add(key, "operation added", breaking=False)
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(key, old_ops[key], new_ops[key])

    def operation(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("operationId") != new.get("operationId"):
            self.add(where, f"operationId {old.get('operationId')} -> {new.get('operationId')}", breaking=True)
        if not old.get("security") and new.get("security"):
            self.add(where, "now requires authentication", breaking=True)
        self.parameters(where, old.get("parameters", []), new.get("parameters", []))
        self.request_body(where, old.get("requestBody"), new.get("requestBody"))
        self.responses(where, old.get("responses", {}), new.get("responses", {}))

    def parameters(self, where: str, old: list[Any], new: list[Any]) -> None:
        def index(params: list[Any], doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
            out = {}
            for param in params:
                param = self.resolve(param, doc)
                out[(param.get("in", ""), param.get("name", ""))] = param
            return out

        old_params, new_params = index(old, self.old_doc), index(new, self.new_doc)
        for key in sorted(old_params.keys() - new_params.keys()):
            self.add(f"{where} {key[0]} parameter {key[1]}", "removed", breaking=True)
        for key in sorted(new_params.keys() - old_params.keys()):
            required = bool(new_params[key].get("required"))
            self.add(f"{where} {key[0]} parameter {key[1]}", "added", breaking=required)
        for key in sorted(old_params.keys() & new_params.keys()):
            label = f"{where} {key[0]} parameter {key[1]}"
            if new_params[key].get("required") and not old_params[key].get("required"):
                self.add(label, "now required", breaking=True)
            self.schema(old_params[key].get("schema", {}), new_params[key].get("schema", {}), label, "request")

    def request_body(self, where: str, old: Any, new: Any) -> None:
        old = self.resolve(old, self.old_doc) if old else None
        new = self.resolve(new, self.new_doc) if new else None
        if old is None and new is None:
            return
        if old is None:
            self.add(f"{where} body", "request body added", breaking=bool(new.get("required")))
            return
        if new is None:
            self.add(f"{where} body", "request body removed", breaking=True)
            return
        if new.get("required") and not old.get("required"):
            self.add(f"{where} body", "request body now required", breaking=True)
        old_content, new_content = old.get("content", {}), new.get("content", {})
        for media in sorted(old_content.keys() - new_content.keys()):
            self.add(f"{where} body", f"{media} no longer accepted", breaking=True)
        for media in sorted(old_content.keys() & new_content.keys()):
            self.schema(
                old_content[media].get("schema", {}), new_content[media].get("schema", {}), f"{where} body", "request"
            )

    def responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for status in sorted(old.keys() - new.keys()):
            self.add(f"{where} -> {status}", "response removed", breaking=str(status).startswith("2"))
        for status in sorted(old.keys() & new.keys()):
            old_resp = self.resolve(old[status], self.old_doc)
            new_resp = self.resolve(new[status], self.new_doc)
            old_content, new_content = old_resp.get("content", {}), new_resp.get("content", {})
            for media in sorted(old_content.keys() - new_content.keys()):
                self.add(f"{where} -> {status}", f"{media} no longer returned", breaking=True)
            for media in sorted(old_content.keys() & new_content.keys()):
                self.schema(
                    old_content[media].get("schema", {}),
                    new_content[media].get("schema", {}),
                    f"{where} -> {status}",
                    "response",
                )


def _split_nullable(schema: dict[str, Any], comparer: _Comparer, doc: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    options = schema.get("anyOf")
    if isinstance(options, list) and any(isinstance(o, dict) and o.get("type") == "null" for o in options):
        rest = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        if len(rest) == 1:
            inner = comparer.resolve(rest[0], doc)
            merged = {**{k: v for k, v in schema.items() if k != "anyOf"}, **(inner if isinstance(inner, dict) else {})}
            return True, merged
        return True, {**schema, "anyOf": rest}
    types = schema.get("type")
    if isinstance(types, list) and "null" in types:
        return True, {**schema, "type": [t for t in types if t != "null"]}
    return False, schema


def _types(schema: dict[str, Any]) -> set[str]:
    value = schema.get("type")
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return set(value)
    return set()


def _enum_values(schema: dict[str, Any]) -> set[Any] | None:
    if "enum" in schema:
        return {repr(v) for v in schema["enum"]}
    if "const" in schema:
        return {repr(schema["const"])}
    return None


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                out[f"{method.upper()} {path}"] = item[method]
    return out


def compare_openapi(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    comparer = _Comparer(old, new)
    comparer.document()
    return comparer.changes


def compare_event_schemas(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    comparer = _Comparer(old, new)
    comparer.schema(old, new, "payload", "response")
    return comparer.changes
