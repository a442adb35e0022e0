"""Offline validation against the official EWP XSDs shipped with the gateway (``xsd/``).

Imports are resolved through the OASIS catalog (``xsd/catalog.xml``) to local files; any other URL is
refused, so validation never touches the network. Compiled schemas are cached per file.
"""

from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["XSD_DIR", "SchemaError", "SchemaSet", "ewp_schemas"]

XSD_DIR = Path(__file__).resolve().parent.parent / "xsd"
_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"


class SchemaError(ValueError):
    """A document does not validate against its EWP schema."""


class _CatalogResolver(etree.Resolver):
    def __init__(self, mapping: dict[str, str]) -> None:
        super().__init__()
        self.mapping = mapping

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        if system_url is None:
            return None
        local = self.mapping.get(system_url)
        if local is not None:
            return self.resolve_filename(local, context)
        if "://" not in system_url or system_url.startswith("file:"):
            return None  # a local path: relative includes inside the shipped tree
        raise SchemaError(f"schema import outside the offline catalog refused: {system_url}")


class SchemaSet:
    """The EWP schemas of one directory, compiled on first use."""

    def __init__(self, root: Path = XSD_DIR) -> None:
        self.root = root
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    @cached_property
    def _catalog(self) -> dict[str, str]:
        tree = etree.parse(str(self.root / "catalog.xml"))
        return {
            entry.get("name") or entry.get("systemId") or "": str((self.root / (entry.get("uri") or "")).resolve())
            for entry in tree.getroot()
            if entry.tag in (f"{_CATALOG_NS}uri", f"{_CATALOG_NS}system")
        }

    @cached_property
    def by_namespace(self) -> dict[str, str]:
        """targetNamespace -> schema file (relative to the root)."""
        data: dict[str, list[str]] = json.loads((self.root / "_local" / "namespaces.json").read_text())
        return {ns: files[-1] for ns, files in data.items() if files}

    def schema(self, relative: str) -> etree.XMLSchema:
        compiled = self._compiled.get(relative)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(relative)
                if compiled is None:
                    parser = etree.XMLParser(no_network=True, resolve_entities=False)
                    parser.resolvers.add(_CatalogResolver(self._catalog))
                    compiled = etree.XMLSchema(etree.parse(str(self.root / relative), parser))
                    self._compiled[relative] = compiled
        return compiled

    def validate(self, document: etree._Element | bytes, relative: str | None = None) -> etree._Element:
        """Validate ``document`` against ``relative`` (default: the schema of its root's namespace)."""
        root = etree.fromstring(document) if isinstance(document, bytes) else document
        if relative is None:
            namespace = etree.QName(root).namespace or ""
            relative = self.by_namespace.get(namespace)
            if relative is None:
                raise SchemaError(f"no EWP schema for namespace {namespace!r}")
        schema = self.schema(relative)
        if not schema.validate(root):
            errors = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5])
            raise SchemaError(errors or "invalid document")
        return root

    def manifest_schema(self) -> etree.XMLSchema:
        """Every manifest entry and security method loaded, so that lax wildcards are checked too."""
        return self.schema("_local/all-manifest-entries.xsd")


#: the schemas shipped with the gateway.
ewp_schemas = SchemaSet()
