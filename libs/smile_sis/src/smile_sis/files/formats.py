"""The CSV files exchanged with a SIS that has no API (Apogée and others).

Headers are matched case-insensitively; each column has SMILE's name and the Apogée column names an
extraction usually carries, so that a university can feed SMILE from an Apogée SQL or Business Objects
extraction without renaming anything. Values: dates ``YYYY-MM-DD`` or ``DD/MM/YYYY``; decimals with a
point or a comma.
"""

from __future__ import annotations

import csv
import fcntl
import io
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

__all__ = ["COLUMNS", "Row", "parse_bool", "parse_date", "parse_decimal", "read_rows", "write_rows"]

#: file kind -> SMILE column -> accepted header names (first is SMILE's)
COLUMNS: dict[str, dict[str, list[str]]] = {
    "periods": {
        "code": ["code", "period", "cod_anu", "code_periode"],
        "label": ["label", "lib_anu", "libelle"],
        "academic_year": ["academic_year", "annee"],
        "start_date": ["start_date", "dat_deb", "date_debut"],
        "end_date": ["end_date", "dat_fin", "date_fin"],
    },
    "units": {
        "code": ["code", "cod_cmp", "structure"],
        "title_fr": ["title_fr", "lib_cmp", "libelle"],
        "title_en": ["title_en", "lib_cmp_en"],
        "parent": ["parent", "cod_cmp_parent", "parent_code"],
    },
    "offer": {
        "period": ["period", "cod_anu", "code_periode"],
        "code": ["code", "cod_elp"],
        "title_fr": ["title_fr", "lib_elp", "libelle"],
        "title_en": ["title_en", "lib_elp_en", "libelle_en"],
        "description_fr": ["description_fr", "description"],
        "description_en": ["description_en"],
        "ects": ["ects", "nbr_crd_elp", "credits"],
        "programme": ["programme", "cod_vet", "cod_etp", "formation"],
        "programme_title": ["programme_title", "lib_web_vet", "lib_vet"],
        "ounit": ["ounit", "cod_cmp", "composante"],
        "isced": ["isced", "code_isced"],
        "eqf": ["eqf", "niveau_eqf"],
        "term": ["term", "semestre", "periode_elp"],
        "languages": ["languages", "langue_enseignement", "langues"],
        "capacity": ["capacity", "capacite"],
        "hours": ["hours", "nbr_vol_elp", "volume_horaire"],
        "mandatory": ["mandatory", "obligatoire"],
        "open": ["open", "ouvert_mobilite"],
    },
    "learners": {
        "code": ["code", "cod_etu"],
        "ine": ["ine", "cod_nne_ind", "cod_nne"],
        "family_name": ["family_name", "lib_nom_pat_ind", "nom"],
        "given_names": ["given_names", "lib_pr1_ind", "prenom"],
        "birth_date": ["birth_date", "date_nai_ind", "date_naissance"],
        "reference": ["reference", "smile_ref"],
    },
    "results": {
        "period": ["period", "cod_anu", "code_periode"],
        "learner": ["learner", "cod_etu"],
        "ine": ["ine", "cod_nne_ind"],
        "reference": ["reference", "smile_ref"],
        "course": ["course", "cod_elp"],
        "course_title": ["course_title", "lib_elp"],
        "grade": ["grade", "not_elp", "note"],
        "scale": ["scale", "bar_not_elp", "bareme"],
        "result": ["result", "cod_tre", "resultat"],
        "credits": ["credits", "nbr_crd_elp"],
        "date": ["date", "dat_del", "date_resultat"],
        "session": ["session", "cod_ses"],
        "isced": ["isced", "code_isced"],
        "eqf": ["eqf", "niveau_eqf"],
    },
}

Row = dict[str, str]


def _header_map(kind: str, header: list[str]) -> dict[int, str]:
    aliases = {alias: name for name, names in COLUMNS[kind].items() for alias in names}
    return {i: aliases[h.strip().lower()] for i, h in enumerate(header) if h.strip().lower() in aliases}


def read_rows(path: Path, kind: str, *, delimiter: str = ";", encoding: str = "utf-8") -> Iterator[Row]:
    """The rows of ``path`` with SMILE's column names (unknown columns dropped, empty cells left out)."""
    if not path.exists():
        return
    text = path.read_text(encoding=encoding).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    columns = _header_map(kind, header)
    for cells in reader:
        row = {columns[i]: cell.strip() for i, cell in enumerate(cells) if i in columns and cell.strip()}
        if row:
            yield row


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def parse_decimal(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        return Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None


def parse_bool(value: str | None, default: bool | None = None) -> bool | None:
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "o", "oui", "y", "yes"}


def write_rows(path: Path, header: list[str], rows: list[Mapping[str, str]], *, delimiter: str = ";") -> None:
    """Append ``rows`` to ``path`` (creating it with ``header``), in one write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)  # the api and the worker may both write
        try:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=header, delimiter=delimiter, lineterminator="\n")
            if out.tell() == 0:
                writer.writeheader()
            for row in rows:
                writer.writerow(row)
            out.write(buffer.getvalue())
        finally:
            fcntl.flock(out, fcntl.LOCK_UN)
