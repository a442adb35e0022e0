"""The Discovery v6 manifest of one covered university: its APIs, limits, security and keys.

Every API entry declares HTTP Signature client authentication explicitly (an entry without it would
mean "TLS client certificates only", which nobody supports any more) and TLS + HTTP Signature server
authentication. URLs embed the university's SCHAC code, so that they are unique per university.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from smile_ewp_gateway.identity.keystore import KeyStore
from smile_ewp_gateway.settings import CoveredHei, EwpGatewaySettings
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.build import E, serialize

__all__ = ["SERVED_APIS", "ApiServed", "build_manifest", "hei_base_url", "manifest_document", "manifest_url"]


@dataclass(frozen=True)
class ApiServed:
    """One manifest entry: element name, namespace major, version, then (child, value) in schema order.

    Values starting with ``/`` are paths under the university's base URL; ``max`` stands for the
    configured ``max-*`` limit.
    """

    name: str
    major: int
    version: str
    children: tuple[tuple[str, str], ...]


SERVED_APIS: tuple[ApiServed, ...] = (
    ApiServed("echo", 2, "2.0.1", (("url", "/echo"),)),
    ApiServed("institutions", 2, "2.2.0", (("url", "/institutions"), ("max-hei-ids", "max"))),
    ApiServed(
        "organizational-units", 2, "2.1.1", (("url", "/ounits"), ("max-ounit-ids", "max"), ("max-ounit-codes", "max"))
    ),
    ApiServed("courses", 1, "0.7.1", (("url", "/courses"), ("max-los-ids", "max"), ("max-los-codes", "max"))),
    ApiServed(
        "simple-course-replication",
        1,
        "1.0.0",
        (("url", "/course-replication"), ("allows-anonymous-access", "false"), ("supports-modified-since", "true")),
    ),
    ApiServed("factsheet", 1, "1.2.0", (("url", "/factsheet"), ("max-hei-ids", "max"))),
    ApiServed("file", 1, "1.0.0", (("url", "/file"),)),
    ApiServed(
        "iias",
        7,
        "7.0.0",
        (("get-url", "/iias/get"), ("max-iia-ids", "max"), ("index-url", "/iias/index"), ("stats-url", "/iias/stats")),
    ),
    ApiServed("iia-cnr", 3, "3.0.0", (("url", "/iia-cnr"),)),
    ApiServed("iias-approval", 2, "2.0.0", (("url", "/iias-approval"), ("max-iia-ids", "max"))),
    ApiServed("iia-approval-cnr", 2, "2.0.0", (("url", "/iia-approval-cnr"),)),
    ApiServed("omobility-cnr", 2, "2.0.0", (("url", "/omobility-cnr"), ("max-omobility-ids", "max"))),
    ApiServed("imobilities", 2, "2.0.0", (("get-url", "/imobilities/get"), ("max-omobility-ids", "max"))),
    ApiServed(
        "omobility-la-cnr",
        1,
        "1.1.0",
        (("url", "/omobility-la-cnr"), ("stats-url", "/omobility-la-cnr/stats"), ("max-omobility-ids", "max")),
    ),
    ApiServed(
        "imobility-tors",
        3,
        "3.0.0",
        (("get-url", "/imobility-tors/get"), ("index-url", "/imobility-tors/index"), ("max-omobility-ids", "max")),
    ),
)


def hei_base_url(settings: EwpGatewaySettings, hei_id: str) -> str:
    return f"{settings.base_url}/hei/{hei_id}"


def manifest_url(settings: EwpGatewaySettings, hei_id: str) -> str:
    return f"{hei_base_url(settings, hei_id)}/manifest.xml"


def _security(parent: etree._Element) -> None:
    security = etree.SubElement(parent, etree.QName(parent.nsmap[None], "http-security"))
    clients = etree.SubElement(security, f"{{{ns.SEC}}}client-auth-methods")
    etree.SubElement(clients, f"{{{ns.CLIAUTH_HTTPSIG}}}httpsig", nsmap={None: ns.CLIAUTH_HTTPSIG})
    servers = etree.SubElement(security, f"{{{ns.SEC}}}server-auth-methods")
    etree.SubElement(servers, f"{{{ns.SRVAUTH_TLSCERT}}}tlscert", nsmap={None: ns.SRVAUTH_TLSCERT})
    etree.SubElement(servers, f"{{{ns.SRVAUTH_HTTPSIG}}}httpsig", nsmap={None: ns.SRVAUTH_HTTPSIG})


def _entry(apis: etree._Element, api: ApiServed, base: str, max_ids: int) -> None:
    namespace = _ENTRY_NAMESPACES.get(api.name) or ns.entry_ns(api.name, api.major)
    entry = etree.SubElement(apis, f"{{{namespace}}}{api.name}", nsmap={None: namespace}, version=api.version)
    _security(entry)
    for child, value in api.children:
        text = f"{base}{value}" if value.startswith("/") else str(max_ids) if value == "max" else value
        etree.SubElement(entry, f"{{{namespace}}}{child}").text = text


_ENTRY_NAMESPACES = {
    "simple-course-replication": ns.entry_ns("course-replication", 1),
    "organizational-units": ns.entry_ns("ounits", 2),
}


def build_manifest(settings: EwpGatewaySettings, hei: CoveredHei, keys: KeyStore) -> bytes:
    """The manifest document of ``hei`` (validates against the official schemas, all entries loaded)."""
    return manifest_document(
        base=hei_base_url(settings, hei.hei_id),
        hei_id=hei.hei_id,
        names=hei.names or {"en": hei.hei_id},
        other_ids=hei.other_ids,
        admin_emails=hei.admin_emails or settings.ewp_admin_emails or [f"ewp-admin@{hei.hei_id}"],
        provider=f"{settings.ewp_admin_provider} (SMILE EWP gateway)",
        notes=settings.ewp_admin_notes,
        apis=SERVED_APIS,
        max_ids=settings.ewp_max_ids,
        client_keys=[k.key.public_b64 for k in keys.keys(hei.hei_id, "client")],
        server_keys=[k.key.public_b64 for k in keys.keys(hei.hei_id, "server")],
    )


def manifest_document(
    *,
    base: str,
    hei_id: str,
    names: dict[str, str],
    other_ids: dict[str, str],
    admin_emails: Sequence[str],
    provider: str,
    notes: str | None,
    apis: Sequence[ApiServed],
    max_ids: int,
    client_keys: Sequence[str],
    server_keys: Sequence[str],
) -> bytes:
    """A Discovery v6 manifest with one host covering ``hei_id``; API paths are relative to ``base``."""
    e = E(ns.DISCOVERY, {"ewp": ns.COMMON, "sec": ns.SEC, "r": ns.REGISTRY})
    root = e.root("manifest")
    host = e.sub(root, "host")
    for email in admin_emails:
        e.sub(host, "admin-email", email, ns.COMMON)
    e.sub(host, "admin-provider", provider, ns.COMMON)
    if notes:
        e.sub(host, "admin-notes", notes, ns.COMMON)
    entries = e.sub(host, "apis-implemented", namespace=ns.REGISTRY)
    discovery_ns = ns.entry_ns("discovery", 6)
    discovery = etree.SubElement(entries, f"{{{discovery_ns}}}discovery", nsmap={None: discovery_ns}, version="6.0.0")
    etree.SubElement(discovery, f"{{{discovery_ns}}}url").text = f"{base}/manifest.xml"
    for api in apis:
        _entry(entries, api, base, max_ids)
    covered = e.sub(host, "institutions-covered")
    institution = e.sub(covered, "hei", namespace=ns.REGISTRY, id=hei_id)
    for kind, value in other_ids.items():
        e.sub(institution, "other-id", value, ns.REGISTRY, type=kind)
    for lang, name in names.items():
        element = e.sub(institution, "name", name, ns.REGISTRY)
        if lang != "und":
            element.set(ns.XML_LANG, lang)
    for kind, published in (("client", client_keys), ("server", server_keys)):
        credentials = e.sub(host, f"{kind}-credentials-in-use")
        for b64 in published:
            e.sub(credentials, "rsa-public-key", b64)
    return serialize(root)
