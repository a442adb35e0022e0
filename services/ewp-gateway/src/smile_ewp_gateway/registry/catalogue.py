"""The registry catalogue, parsed and indexed for the questions a node asks it.

* which institutions a client key covers (and whether a key is a server key);
* which URL and version of API X serves institution Y;
* which server keys are valid for the host that gave a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from smile_ewp_gateway.httpsig.keys import load_public_key_b64
from smile_ewp_gateway.xmlkit import ns
from smile_ewp_gateway.xmlkit.safe import parse_untrusted
from smile_ewp_gateway.xmlkit.schemas import ewp_schemas

__all__ = ["ApiEntry", "Catalogue", "Host", "Institution"]

R = f"{{{ns.REGISTRY}}}"
_ENTRY_NS = re.compile(r"/ewp-specs-api-([a-z0-9-]+)/blob/stable-v(\d+)/manifest-entry\.xsd$")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


@dataclass(frozen=True)
class Host:
    index: int
    hei_ids: frozenset[str]
    client_key_ids: frozenset[str]
    server_key_ids: frozenset[str]


@dataclass(frozen=True)
class ApiEntry:
    """One API implementation of one host: element name, major (namespace), version, URLs and limits."""

    name: str
    major: int
    version: str
    host: Host
    urls: dict[str, str]
    limits: dict[str, int]
    client_auth: frozenset[str]
    server_auth: frozenset[str]
    flags: dict[str, str] = field(default_factory=dict)

    def url(self, endpoint: str = "url") -> str | None:
        return self.urls.get(endpoint)

    def limit(self, name: str) -> int:
        """A ``max-*`` value; clients assume 1 when the manifest gives none."""
        return self.limits.get(name, 1)

    @property
    def accepts_httpsig(self) -> bool:
        # an absent client-auth-methods list means TLS client certificates only (nobody supports them)
        return "httpsig" in self.client_auth


@dataclass(frozen=True)
class Institution:
    hei_id: str
    names: dict[str, str]
    other_ids: tuple[tuple[str, str], ...]


def _auth_methods(entry: etree._Element, list_name: str) -> frozenset[str]:
    methods: set[str] = set()
    for security in entry:
        if etree.QName(security).localname != "http-security":
            continue
        for group in security.iterchildren(f"{{{ns.SEC}}}{list_name}"):
            methods.update(etree.QName(m).localname for m in group if isinstance(m.tag, str))
    return frozenset(methods)


def _parse_entry(element: etree._Element, host: Host) -> ApiEntry | None:
    qname = etree.QName(element)
    match = _ENTRY_NS.search(qname.namespace or "")
    if match is None:
        return None
    urls: dict[str, str] = {}
    limits: dict[str, int] = {}
    flags: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        text = (child.text or "").strip()
        if name == "url" or name.endswith("-url"):
            urls[name] = text
        elif name.startswith("max-") and text.isdigit():
            limits[name] = int(text)
        elif name != "http-security" and len(child) == 0:
            flags[name] = text
    return ApiEntry(
        name=qname.localname,
        major=int(match.group(2)),
        version=element.get("version", "0.0.0"),
        host=host,
        urls=urls,
        limits=limits,
        client_auth=_auth_methods(element, "client-auth-methods"),
        server_auth=_auth_methods(element, "server-auth-methods"),
        flags=flags,
    )


def _ids(parent: etree._Element | None, path: str, attribute: str | None = None) -> frozenset[str]:
    if parent is None:
        return frozenset()
    found = parent.findall(path)
    return frozenset((e.get(attribute) if attribute else (e.text or "").strip()) or "" for e in found) - {""}


class Catalogue:
    """A parsed catalogue; immutable, replaced as a whole when the registry publishes a new one."""

    def __init__(self, root: etree._Element) -> None:
        self.hosts: list[Host] = []
        self.entries: list[ApiEntry] = []
        for index, element in enumerate(root.iterchildren(f"{R}host")):
            host = Host(
                index=index,
                hei_ids=_ids(element.find(f"{R}institutions-covered"), f"{R}hei-id"),
                client_key_ids=_ids(element.find(f"{R}client-credentials-in-use"), f"{R}rsa-public-key", "sha-256"),
                server_key_ids=_ids(element.find(f"{R}server-credentials-in-use"), f"{R}rsa-public-key", "sha-256"),
            )
            self.hosts.append(host)
            apis = element.find(f"{R}apis-implemented")
            for child in apis if apis is not None else ():
                if isinstance(child.tag, str) and (entry := _parse_entry(child, host)) is not None:
                    self.entries.append(entry)
        self.binaries = {e.get("sha-256", ""): (e.text or "") for e in root.iterfind(f"{R}binaries/{R}rsa-public-key")}
        self.institutions: dict[str, Institution] = {}
        for hei in root.iterfind(f"{R}institutions/{R}hei"):
            names = {n.get(ns.XML_LANG) or "und": (n.text or "").strip() for n in hei.iterfind(f"{R}name")}
            other = tuple((o.get("type", ""), (o.text or "").strip()) for o in hei.iterfind(f"{R}other-id"))
            self.institutions[hei.get("id", "")] = Institution(hei.get("id", ""), names, other)
        self._public_keys: dict[str, rsa.RSAPublicKey] = {}

    @classmethod
    def from_bytes(cls, data: bytes, *, validate: bool = True) -> Catalogue:
        root = parse_untrusted(data, max_bytes=64 * 1024 * 1024)
        if validate:
            ewp_schemas.validate(root, "api-registry/catalogue.xsd")
        return cls(root)

    # --- keys -------------------------------------------------------------------------------------
    def public_key(self, key_id: str) -> rsa.RSAPublicKey | None:
        key = self._public_keys.get(key_id)
        if key is None and key_id in self.binaries:
            try:
                key = load_public_key_b64(self.binaries[key_id])
            except ValueError:
                return None
            self._public_keys[key_id] = key
        return key

    @cached_property
    def _client_heis(self) -> dict[str, frozenset[str]]:
        covered: dict[str, set[str]] = {}
        for host in self.hosts:
            for kid in host.client_key_ids:
                covered.setdefault(kid, set()).update(host.hei_ids)
        return {kid: frozenset(heis) for kid, heis in covered.items()}

    @cached_property
    def _server_key_ids(self) -> frozenset[str]:
        return frozenset(kid for host in self.hosts for kid in host.server_key_ids)

    def client_key(self, key_id: str) -> tuple[rsa.RSAPublicKey, frozenset[str]] | None:
        """The public key and the institutions covered by client key ``key_id``, if the registry lists it."""
        heis = self._client_heis.get(key_id)
        if heis is None:
            return None
        key = self.public_key(key_id)
        return None if key is None else (key, heis)

    def is_server_key(self, key_id: str) -> bool:
        return key_id in self._server_key_ids

    def is_client_key(self, key_id: str) -> bool:
        return key_id in self._client_heis

    def server_keys(self, entry: ApiEntry) -> dict[str, rsa.RSAPublicKey]:
        """Server keys valid for responses of ``entry``'s URLs (keys of the same host only)."""
        keys = {}
        for kid in entry.host.server_key_ids:
            key = self.public_key(kid)
            if key is not None:
                keys[kid] = key
        return keys

    # --- APIs -------------------------------------------------------------------------------------
    def api(self, hei_id: str, name: str, major: int) -> ApiEntry | None:
        """The implementation of API ``name`` (major ``major``) for ``hei_id`` that SMILE can call."""
        candidates = [
            e
            for e in self.entries
            if e.name == name and e.major == major and hei_id in e.host.hei_ids and e.accepts_httpsig
        ]
        return max(candidates, key=lambda e: _version_key(e.version), default=None)

    def apis_of(self, hei_id: str) -> dict[str, str]:
        """``{api name: highest version}`` served for ``hei_id``."""
        out: dict[str, str] = {}
        for entry in self.entries:
            if hei_id in entry.host.hei_ids and _version_key(entry.version) > _version_key(out.get(entry.name, "")):
                out[entry.name] = entry.version
        return out

    def covered_heis(self) -> frozenset[str]:
        return frozenset(h for host in self.hosts for h in host.hei_ids)

    def stats_portal_key(self, key_id: str) -> bool:
        return "stats.erasmuswithoutpaper.eu" in self._client_heis.get(key_id, frozenset())
