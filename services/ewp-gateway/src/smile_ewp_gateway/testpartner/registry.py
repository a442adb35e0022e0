"""A test EWP registry: fetches manifests, validates them like the official registry, serves the catalogue."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, FastAPI, Request, Response
from lxml import etree

from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E, serialize
from smile_ewp_gateway.xmlkit.safe import parse_untrusted
from smile_ewp_gateway.xmlkit.schemas import ewp_schemas

__all__ = ["ManifestSource", "build_catalogue", "registry_app", "registry_router"]

#: returns the bytes of one manifest (fetched over HTTP, or built in memory)
ManifestSource = Callable[[], Awaitable[bytes]]
M = f"{{{ns.DISCOVERY}}}"
R = f"{{{ns.REGISTRY}}}"


def _validated(manifest: bytes, strict: bool) -> etree._Element:
    root = parse_untrusted(manifest)
    schema = ewp_schemas.manifest_schema()
    if strict and not schema.validate(root):
        raise ValueError(f"invalid manifest: {schema.error_log.last_error}")
    return root


def build_catalogue(manifests: Sequence[bytes], *, strict: bool = True) -> bytes:
    """Merge manifests into a catalogue (hosts, institutions, binaries), as the official registry does.

    ``strict=False`` (the ``make run`` demo only) accepts manifests the official schemas refuse, such as
    ``http://`` URLs on a developer's machine.
    """
    e = E(ns.REGISTRY, {"ewp": ns.COMMON})
    catalogue = e.root("catalogue")
    institutions: dict[str, etree._Element] = {}
    binaries: dict[str, str] = {}
    for manifest in manifests:
        root = _validated(manifest, strict)
        for host in root.iterfind(f"{M}host"):
            out = e.sub(catalogue, "host")
            for child in host:
                if etree.QName(child).namespace == ns.COMMON:
                    out.append(_copy(child))
            apis = host.find(f"{R}apis-implemented")
            if apis is not None:
                out.append(_copy(apis))
            covered = e.sub(out, "institutions-covered")
            for hei in host.iterfind(f"{M}institutions-covered/{R}hei"):
                e.sub(covered, "hei-id", hei.get("id"))
                institutions[hei.get("id", "")] = _copy(hei)
            for kind in ("client", "server"):
                credentials = e.sub(out, f"{kind}-credentials-in-use")
                for key in host.iterfind(f"{M}{kind}-credentials-in-use/{M}rsa-public-key"):
                    text = "".join((key.text or "").split())
                    sha = hashlib.sha256(base64.b64decode(text)).hexdigest()
                    binaries[sha] = text
                    e.sub(credentials, "rsa-public-key").set("sha-256", sha)
    listed = e.sub(catalogue, "institutions")
    for hei in institutions.values():
        listed.append(hei)
    stored = e.sub(catalogue, "binaries")
    for sha, text in sorted(binaries.items()):
        e.sub(stored, "rsa-public-key", text).set("sha-256", sha)
    ewp_schemas.validate(catalogue, "api-registry/catalogue.xsd")
    return serialize(catalogue)


def _copy(element: etree._Element) -> etree._Element:
    """A copy rebuilt from qualified names (so that it takes the namespaces of the tree it joins)."""
    copy = etree.Element(element.tag, dict(element.attrib))
    copy.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            sub = _copy(child)
            sub.tail = child.tail
            copy.append(sub)
    return copy


def registry_router(
    sources: Callable[[], Sequence[ManifestSource]], *, max_age: int = 300, strict: bool = True
) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/catalogue-v1.xml")
    async def catalogue(request: Request) -> Response:
        manifests = [await source() for source in sources()]
        body = build_catalogue(manifests, strict=strict)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": f"max-age={max_age}, must-revalidate"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/xml", headers=headers)

    return router


def registry_app(sources: Callable[[], Sequence[ManifestSource]], *, strict: bool = True) -> FastAPI:
    app = FastAPI(title="test EWP registry", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(registry_router(sources, strict=strict))
    return app
