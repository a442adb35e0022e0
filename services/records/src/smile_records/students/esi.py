"""The European Student Identifier (ESI), specification v1.0.

Two forms are valid::

    urn:schac:personalUniqueCode:int:esi:<country-code>:<code>   (nation- or region-wide code)
    urn:schac:personalUniqueCode:int:esi:<sHO>:<code>            (code issued by a university)

``<country-code>`` is an ISO 3166-1 alpha-2 code or an ISO 3166-2 subdivision code, ``<sHO>`` the
university's schacHomeOrganization (a domain name), ``<code>`` a string legal in a URN (RFC 2141), and
the whole value at most 255 characters. The older draft form
``urn:schac:personalUniqueCode:<country|int>:ESI:[<sHO>:]<code>`` is accepted on input and rewritten in
the v1.0 form; only the v1.0 form is ever stored or sent. ESIs compare case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ESI_PREFIX", "EsiError", "ParsedEsi", "esi_key", "normalise_esi", "parse_esi"]

ESI_PREFIX = "urn:schac:personalUniqueCode:int:esi:"
_PREFIX = "urn:schac:personalUniqueCode:"
MAX_LENGTH = 255

_COUNTRY = re.compile(r"^[a-z]{2}$")
_SUBDIVISION = re.compile(r"^[a-z]{2}-[a-z0-9]{1,3}$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")
#: RFC 2141 <trans>: letters, digits, "other" and "reserved" characters; "%" only as an escape
_URN_CHARS = re.compile(r"^[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+$")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class EsiError(ValueError):
    """An ESI that breaks a rule; ``rule`` names it (stable, used in problem documents)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class ParsedEsi:
    scope: str
    code: str
    #: ``country``, ``subdivision`` or ``hei``
    scope_kind: str
    #: True when the input was the older draft form
    from_draft: bool = False

    @property
    def value(self) -> str:
        return f"{ESI_PREFIX}{self.scope}:{self.code}"


def _scope_kind(scope: str) -> str:
    if _COUNTRY.match(scope):
        return "country"
    if _SUBDIVISION.match(scope):
        return "subdivision"
    if _DOMAIN.match(scope):
        return "hei"
    raise EsiError(
        "esi-scope-invalid",
        f"'{scope}' is neither an ISO 3166 country code nor a university's schacHomeOrganization",
    )


def _check_code(code: str) -> None:
    if not code:
        raise EsiError("esi-code-missing", "the ESI has no student code after its scope")
    if not _URN_CHARS.match(code):
        bad = sorted({c for c in code if not _URN_CHARS.match(c)})
        raise EsiError("esi-code-characters", f"the student code contains characters a URN forbids: {bad}")
    if _ESCAPE.search(code):
        raise EsiError("esi-code-escape", "'%' in the student code must start a two-hex-digit escape (%2F)")


def _split_v1(rest: str) -> tuple[str, str]:
    scope, colon, code = rest.partition(":")
    if not scope:
        raise EsiError("esi-scope-missing", "the ESI has no country code or schacHomeOrganization")
    if not colon:
        try:
            _scope_kind(scope.lower())
        except EsiError:  # a lone segment that is no scope is a student code without its scope
            raise EsiError("esi-scope-missing", "the ESI has no country code or schacHomeOrganization") from None
    return scope.lower(), code


def _split_draft(rest: str) -> tuple[str, str]:
    """``<country|int>:ESI:[<sHO>:]<code>`` → (scope, code)."""
    parts = rest.split(":", 3)
    if len(parts) < 3 or parts[1].lower() != "esi":
        raise EsiError("esi-prefix", f"an ESI starts with {ESI_PREFIX}")
    country = parts[0].lower()
    tail = ":".join(parts[2:])
    candidate, _, code = tail.partition(":")
    if code and "." in candidate:  # a schacHomeOrganization is a domain name
        return candidate.lower(), code
    if country == "int":
        raise EsiError("esi-scope-missing", "a draft-form ESI under 'int' needs the university's schacHomeOrganization")
    return country, tail


def parse_esi(value: str) -> ParsedEsi:
    """Validate ``value`` (v1.0 or the older draft form) and return its parts in the v1.0 form."""
    text = value.strip()
    if not text:
        raise EsiError("esi-empty", "the ESI is empty")
    if any(c.isspace() for c in text):
        raise EsiError("esi-code-characters", "an ESI contains no spaces")
    if not text.lower().startswith(_PREFIX.lower()):
        raise EsiError("esi-prefix", f"an ESI starts with {ESI_PREFIX}")
    rest = text[len(_PREFIX) :]
    draft = not rest.lower().startswith("int:esi:")
    scope, code = _split_draft(rest) if draft else _split_v1(rest[len("int:esi:") :])
    kind = _scope_kind(scope)
    _check_code(code)
    parsed = ParsedEsi(scope=scope, code=code, scope_kind=kind, from_draft=draft)
    if len(parsed.value) > MAX_LENGTH:
        raise EsiError("esi-too-long", f"an ESI is at most {MAX_LENGTH} characters ({len(parsed.value)} given)")
    return parsed


def normalise_esi(value: str) -> str:
    """The v1.0 form of ``value``; raises :class:`EsiError` naming the broken rule."""
    return parse_esi(value).value


def esi_key(value: str) -> str:
    """The form two ESIs are compared in (case-insensitive)."""
    return normalise_esi(value).casefold()
