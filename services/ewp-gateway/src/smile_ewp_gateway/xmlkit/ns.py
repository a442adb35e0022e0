"""XML namespaces of the EWP specifications that the gateway reads or writes."""

from __future__ import annotations

__all__ = ["GH", "XML_LANG", "api_ns", "entry_ns"]

GH = "https://github.com/erasmus-without-paper"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

REGISTRY = f"{GH}/ewp-specs-api-registry/tree/stable-v1"
DISCOVERY = f"{GH}/ewp-specs-api-discovery/tree/stable-v6"
COMMON = f"{GH}/ewp-specs-architecture/blob/stable-v1/common-types.xsd"
SEC = f"{GH}/ewp-specs-sec-intro/tree/stable-v2"
CLIAUTH_HTTPSIG = f"{GH}/ewp-specs-sec-cliauth-httpsig/tree/stable-v1"
CLIAUTH_NONE = f"{GH}/ewp-specs-sec-cliauth-none/tree/stable-v1"
SRVAUTH_HTTPSIG = f"{GH}/ewp-specs-sec-srvauth-httpsig/tree/stable-v1"
SRVAUTH_TLSCERT = f"{GH}/ewp-specs-sec-srvauth-tlscert/tree/stable-v1"
CONTACT = f"{GH}/ewp-specs-types-contact/tree/stable-v1"
ADDRESS = f"{GH}/ewp-specs-types-address/tree/stable-v1"
PHONE = f"{GH}/ewp-specs-types-phonenumber/tree/stable-v1"
TERM_V1 = f"{GH}/ewp-specs-types-academic-term/tree/stable-v1"
TERM_V2 = f"{GH}/ewp-specs-types-academic-term/tree/stable-v2"
ELMO_V2 = "https://github.com/emrex-eu/elmo-schemas/tree/v2"


def entry_ns(api: str, major: int) -> str:
    """Namespace of an API's manifest entry, e.g. ``entry_ns("iias", 7)``."""
    return f"{GH}/ewp-specs-api-{api}/blob/stable-v{major}/manifest-entry.xsd"


def api_ns(api: str, major: int, endpoint: str | None = None) -> str:
    """Namespace of a response: ``.../tree/stable-vN`` or ``.../blob/stable-vN/endpoints/<e>-response.xsd``."""
    if endpoint is None:
        return f"{GH}/ewp-specs-api-{api}/tree/stable-v{major}"
    return f"{GH}/ewp-specs-api-{api}/blob/stable-v{major}/endpoints/{endpoint}.xsd"
