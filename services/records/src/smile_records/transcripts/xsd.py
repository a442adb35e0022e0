"""Offline validation of ELMO documents against the official schemas.

The schemas are not shipped with records (the ELMO XSD is under the EUPL): ``SMILE_EWP_XSD_DIR`` names a
folder holding them with an OASIS ``catalog.xml`` mapping every ``schemaLocation`` to a local file (the
EWP gateway ships such a folder, found automatically when it is installed). Imports outside the catalog
are refused, so validation never goes to the network.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["ElmoSchema", "SchemaError", "find_xsd_dir"]

_CATALOG = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
TORS_XSD = "api-imobility-tors/endpoints/get-response.xsd"
ELMO_XSD = "elmo-schemas-v2/schema.xsd"


class SchemaError(ValueError):
    """The document breaks the schema; ``errors`` lists libxml2's messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


def find_xsd_dir(configured: Path | None) -> Path | None:
    """The configured folder, else the one shipped with the EWP gateway when it is installed."""
    if configured is not None:
        return configured
    spec = importlib.util.find_spec("smile_ewp_gateway")
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / "xsd"
        if (candidate / "catalog.xml").is_file() and (candidate / TORS_XSD).is_file():
            return candidate
    return None


class _Resolver(etree.Resolver):
    def __init__(self, mapping: dict[str, str]) -> None:
        super().__init__()
        self.mapping = mapping

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        if system_url is None:
            return None
        if system_url in self.mapping:
            return self.resolve_filename(self.mapping[system_url], context)
        if "://" not in system_url or system_url.startswith("file:"):
            return None
        raise SchemaError([f"schema import outside the offline catalog refused: {system_url}"])


class ElmoSchema:
    """The ToR response schema (which imports ELMO v2) of one schema folder, compiled once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._schemas: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    def _catalog(self) -> dict[str, str]:
        tree = etree.parse(str(self.root / "catalog.xml"))
        out = {}
        for entry in tree.getroot():
            if entry.tag in (f"{_CATALOG}uri", f"{_CATALOG}system"):
                name = entry.get("name") or entry.get("systemId")
                if name and entry.get("uri"):
                    out[name] = str((self.root / entry.get("uri", "")).resolve())
        return out

    def schema(self, relative: str) -> etree.XMLSchema:
        with self._lock:
            if relative not in self._schemas:
                parser = etree.XMLParser(no_network=True, resolve_entities=False)
                parser.resolvers.add(_Resolver(self._catalog()))
                self._schemas[relative] = etree.XMLSchema(etree.parse(str(self.root / relative), parser))
            return self._schemas[relative]

    def validate(self, document: etree._Element, relative: str = TORS_XSD) -> None:
        schema = self.schema(relative)
        if not schema.validate(document):
            raise SchemaError([f"line {e.line}: {e.message}" for e in schema.error_log])
