"""How a student without an ESI is recognised: folded names, birth date and home university."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

__all__ = ["fold", "identity_key"]


def fold(text: str | None) -> str:
    """Lower case, no accents or punctuation, single spaces: ``Müller-Lüdenscheidt`` → ``muller ludenscheidt``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def identity_key(family_name: str, given_names: str, birth_date: date | None, home_institution: str) -> str:
    born = birth_date.isoformat() if birth_date else "?"
    return f"{fold(family_name)}|{fold(given_names)}|{born}|{home_institution.strip().lower()}"
