"""Reading an offer file (SMILE CSV, SMILE JSON, Apogée-style CSV export) into rows to apply.

A file becomes a :class:`ParsedFile`: reference data (units, years, terms, programmes) and one
:class:`SourceRow` per course, each a *patch*: the fields the file gives for that course. Fields a file
does not give keep their value when the course exists already (staff edits in SMILE survive a re-import
of an export that does not carry them). The format is documented in docs/catalogue.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from smile_common.errors import Problem

__all__ = [
    "FORMATS",
    "ImportFileError",
    "ParsedFile",
    "SourceRow",
    "decode",
    "parse_file",
]

Format = Literal["csv", "json", "apogee"]
FORMATS: tuple[Format, ...] = ("csv", "json", "apogee")
REFERENCE_KINDS = ("organisational_units", "academic_years", "terms", "programmes")
_MULTILINGUAL = ("title", "description", "learning_outcomes", "prerequisites")
_LIST_SEPARATOR = "|"


class ImportFileError(Problem):
    """The file as a whole cannot be read (encoding, syntax, missing columns): nothing is applied."""

    status, slug, title = 422, "invalid-import-file", "The file cannot be imported"


@dataclass
class SourceRow:
    """One course of the file: where it is (``line``), its code, and the fields the file gives."""

    line: int
    code: str | None
    patch: dict[str, Any]
    #: multilingual fields given per language (CSV columns ``title_en``…): merged with the stored texts
    by_language: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: problems found while reading the row (a bad number, an unknown day)
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ParsedFile:
    format: str
    encoding: str
    reference: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    courses: list[SourceRow] = field(default_factory=list)


# --- bytes to text ---------------------------------------------------------------------------------------
def decode(content: bytes) -> tuple[str, str]:
    """The text of ``content`` and the encoding it was read with: UTF-8 (with or without BOM), UTF-16
    with BOM, else Windows-1252 / Latin-1 (what spreadsheet software in France often writes)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"The file starts like UTF-16 but is not: {exc}.") from exc
    if b"\x00" in content[:4096]:
        raise ImportFileError("The file is binary (it contains NUL bytes): send a CSV or JSON text file.")
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "iso-8859-1"


def parse_file(content: bytes, fmt: Format, options: Mapping[str, Any] | None = None) -> ParsedFile:
    if fmt == "json" and not content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        # most JSON files are UTF-8 without BOM: read as they are (orjson checks the UTF-8), without making
        # the text first (a fifth of the time to read a large file); anything else is decoded below
        try:
            document = orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
        else:
            return _json_document(document, "utf-8")
    text, encoding = decode(content)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    options = options or {}
    if fmt == "json":
        return _parse_json(text, encoding)
    if fmt == "apogee":
        return _parse_apogee(text, encoding, options)
    return _parse_csv(text, encoding)


# --- JSON ------------------------------------------------------------------------------------------------
def _parse_json(text: str, encoding: str) -> ParsedFile:
    try:
        document = orjson.loads(text)  # several times faster on a large file
    except orjson.JSONDecodeError:
        # what orjson refuses but JSON allows (integers beyond 64 bits…), and the standard library's
        # error messages, which say where the file is wrong
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ImportFileError(f"The file is not valid JSON: {exc}.") from exc
    return _json_document(document, encoding)


def _json_document(document: Any, encoding: str) -> ParsedFile:
    if isinstance(document, list):
        document = {"courses": document}
    if not isinstance(document, dict):
        raise ImportFileError("A JSON import is an object with a `courses` list, or a list of courses.")
    unknown = set(document) - {"courses", *REFERENCE_KINDS}
    if unknown:
        raise ImportFileError(f"Unknown keys in the JSON document: {', '.join(sorted(unknown))}.")
    parsed = ParsedFile("json", encoding)
    for kind in REFERENCE_KINDS:
        items = document.get(kind) or []
        if not isinstance(items, list):
            raise ImportFileError(f"`{kind}` must be a list.")
        parsed.reference[kind] = [(i + 1, item) for i, item in enumerate(items)]
    courses = document.get("courses") or []
    if not isinstance(courses, list):
        raise ImportFileError("`courses` must be a list.")
    for i, item in enumerate(courses, start=1):
        if not isinstance(item, dict):
            parsed.courses.append(SourceRow(i, None, {}, errors=[_error([], "a course is a JSON object")]))
            continue
        code = item.pop("code", None)  # the rest of the course's object is its fields (the document is ours)
        parsed.courses.append(SourceRow(i, code.strip() if isinstance(code, str) else None, item))
    return parsed


def _error(loc: Sequence[str | int], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": kind}


# --- CSV -------------------------------------------------------------------------------------------------
def _reader(text: str) -> Iterator[tuple[int, list[str]]]:
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num}: {exc}.") from exc


#: SMILE CSV column -> field (``title_<lang>`` and friends are handled apart)
_CSV_COLUMNS = {
    "code": "code",
    "ects": "ects",
    "unit": "organisational_unit_code",
    "organisational_unit_code": "organisational_unit_code",
    "isced": "isced_code",
    "isced_code": "isced_code",
    "eqf": "eqf_level",
    "eqf_level": "eqf_level",
    "languages": "languages",
    "terms": "term_codes",
    "term_codes": "term_codes",
    "programmes": "programme_codes",
    "programme_codes": "programme_codes",
    "teaching_methods": "teaching_methods",
    "assessment": "assessment",
    "schedule": "schedule",
    "capacity": "capacity",
    "contacts": "contacts",
    "syllabus_url": "syllabus_url",
    "open_to_exchange": "open_to_exchange",
    "hours_lecture": "hours.lecture",
    "hours_tutorial": "hours.tutorial",
    "hours_practical": "hours.practical",
    "hours_independent": "hours.independent",
}
_LANG_COLUMN = re.compile(r"^(title|description|learning_outcomes|prerequisites)_([a-z]{2})$")


def _columns(header: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for name in header:
        key = name.strip().lower().lstrip("\ufeff")
        out.append(_CSV_COLUMNS.get(key) or (key if _LANG_COLUMN.match(key) else None))
    return out


def _parse_csv(text: str, encoding: str) -> ParsedFile:
    rows = _reader(text)
    header = next(rows, None)
    if header is None:
        raise ImportFileError("The file is empty.")
    columns = _columns(header[1])
    unknown = [h for h, c in zip(header[1], columns, strict=True) if c is None and h.strip()]
    if unknown:
        raise ImportFileError(
            f"Unknown columns: {', '.join(unknown)}. See the documented columns in docs/catalogue.md."
        )
    if "code" not in columns:
        raise ImportFileError("The file has no `code` column.")
    parsed = ParsedFile("csv", encoding)
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        parsed.courses.append(_csv_row(line, columns, cells))
    return parsed


def _csv_row(line: int, columns: list[str | None], cells: list[str]) -> SourceRow:
    row = SourceRow(line, None, {})
    if len(cells) > len(columns):
        row.errors.append(_error([], f"the line has {len(cells)} cells but the header {len(columns)} columns"))
    hours: dict[str, Any] = {}
    for column, raw in zip(columns, cells, strict=False):
        if column is None:
            continue
        value = raw.strip()
        if column == "code":
            row.code = value or None
        elif match := _LANG_COLUMN.match(column):
            row.by_language.setdefault(match.group(1), {})[match.group(2)] = value or None
        elif column.startswith("hours."):
            hours[column[6:]] = _number(value, column, row) if value else 0
        else:
            try:
                row.patch[column] = _CELL_PARSERS.get(column, _plain)(value)
            except ValueError as exc:
                row.errors.append(_error([column], str(exc)))
    if hours:
        row.patch["hours"] = hours
    return row


def _number(value: str, column: str, row: SourceRow) -> Any:
    try:
        return int(value)
    except ValueError:
        row.errors.append(_error([column], f"'{value}' is not a whole number"))
        return 0


def _plain(value: str) -> str | None:
    return value or None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(_LIST_SEPARATOR) if part.strip()]


def _decimal_text(value: str) -> str | None:
    """ECTS as written in France (``2,5``) or elsewhere (``2.5``); kept as text for validation."""
    return value.replace(",", ".").replace(" ", "") if value else None


def _int_or_text(value: str) -> int | str | None:
    if not value:
        return None
    return int(value) if value.isdigit() else value


def _open(value: str) -> bool:
    """``open_to_exchange``: an empty cell keeps the default (open)."""
    return _bool(value) if value.strip() else True


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "y", "oui", "o", "vrai"}:
        return True
    if lowered in {"0", "false", "no", "n", "non", "faux"}:
        return False
    raise ValueError(f"'{value}' is neither yes nor no")


def _languages(value: str) -> list[dict[str, Any]]:
    out = []
    for part in _split(value):
        language, _, level = part.partition(":")
        out.append({"language": language.strip().lower(), "cefr_level": level.strip().upper() or None})
    return out


def _assessment(value: str) -> list[dict[str, Any]]:
    out = []
    for part in _split(value):
        method, _, weight = part.partition(":")
        entry: dict[str, Any] = {"method": method.strip()}
        if weight.strip():
            if not weight.strip().isdigit():
                raise ValueError(f"'{weight.strip()}' is not a weight in % (assessment '{part}')")
            entry["weight"] = int(weight)
        out.append(entry)
    return out


_SLOT = re.compile(r"^(?P<day>[a-z]{3})\s+(?P<start>\d{1,2}[:h]\d{2})\s*-\s*(?P<end>\d{1,2}[:h]\d{2})(?P<rest>.*)$")


def _weeks(value: str) -> list[int]:
    weeks: list[int] = []
    for part in value.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"'{value}' is not a list of weeks such as 36-41,44")
        weeks += list(range(int(first), int(last or first) + 1))
    return weeks


def _schedule(value: str) -> list[dict[str, Any]]:
    slots = []
    for part in _split(value):
        match = _SLOT.match(part.strip().lower())
        if match is None:
            raise ValueError(f"'{part}' is not a slot such as 'mon 08:30-10:30 weeks=36-41 term=2026-S1'")
        slot: dict[str, Any] = {
            "day": match["day"],
            "start": match["start"].replace("h", ":").zfill(5),
            "end": match["end"].replace("h", ":").zfill(5),
        }
        for option in match["rest"].split():
            key, _, item = option.partition("=")
            if key == "weeks":
                slot["weeks"] = _weeks(item)
            elif key in ("term", "kind", "location"):
                slot["term_code" if key == "term" else key] = item.upper() if key == "term" else item
            else:
                raise ValueError(f"'{option}' in slot '{part}': expected weeks=, term=, kind= or location=")
        slots.append(slot)
    return slots


def _contacts(value: str) -> list[dict[str, Any]]:
    out = []
    for part in _split(value):
        match = re.match(r"^(?P<name>[^<]*?)\s*(<(?P<email>[^>]+)>)?$", part)
        name = (match["name"] if match else part).strip() or None
        email = match["email"].strip() if match and match["email"] else None
        if name and "@" in name and email is None:
            name, email = None, name
        out.append({"name": name, "email": email})
    return out


_CELL_PARSERS: dict[str, Any] = {
    "ects": _decimal_text,
    "eqf_level": _int_or_text,
    "capacity": _int_or_text,
    "languages": _languages,
    "term_codes": _split,
    "programme_codes": _split,
    "teaching_methods": _split,
    "assessment": _assessment,
    "schedule": _schedule,
    "contacts": _contacts,
    "open_to_exchange": _open,
}


# --- Apogée-style export ---------------------------------------------------------------------------------
#: Apogée column (or SMILE's name for it) -> the export's meaning; first name is what docs/catalogue.md shows
APOGEE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("cod_elp", "code"),
    "title_fr": ("lib_elp", "lic_elp", "title_fr", "libelle"),
    "title_en": ("lib_elp_en", "title_en", "libelle_en"),
    "description_fr": ("description_fr", "description"),
    "description_en": ("description_en",),
    "ects": ("nbr_crd_elp", "ects", "credits"),
    "programme": ("cod_vet", "cod_etp", "programme", "formation"),
    "programme_title": ("lib_web_vet", "lib_vet", "lib_etp", "programme_title"),
    "unit": ("cod_cmp", "composante", "ounit", "unit"),
    "isced": ("code_isced", "isced"),
    "eqf": ("niveau_eqf", "eqf"),
    "term": ("semestre", "periode_elp", "cod_pel", "term"),
    "languages": ("langue_enseignement", "langues", "languages"),
    "capacity": ("capacite", "capacity"),
    "hours": ("nbr_vol_elp", "volume_horaire", "hours"),
    "open": ("ouvert_mobilite", "tem_mobilite", "open"),
    "period": ("cod_anu", "code_periode", "period"),
}


def _apogee_columns(header: list[str]) -> dict[int, str]:
    aliases = {alias: name for name, names in APOGEE_COLUMNS.items() for alias in names}
    return {i: aliases[h.strip().lower()] for i, h in enumerate(header) if h.strip().lower() in aliases}


def _parse_apogee(text: str, encoding: str, options: Mapping[str, Any]) -> ParsedFile:
    rows = _reader(text)
    header = next(rows, None)
    if header is None:
        raise ImportFileError("The file is empty.")
    columns = _apogee_columns(header[1])
    if "code" not in columns.values():
        raise ImportFileError("The export has no COD_ELP (course code) column.")
    parsed = ParsedFile("apogee", encoding)
    period = options.get("period")
    by_code: dict[str, SourceRow] = {}
    programmes: dict[str, dict[str, Any]] = {}
    for line, cells in rows:
        values = {columns[i]: cell.strip() for i, cell in enumerate(cells) if i in columns and cell.strip()}
        if not values or (period and values.get("period") not in (None, period)):
            continue
        row = _apogee_row(line, values, options)
        code = values.get("programme")
        if code and code not in programmes:
            programmes[code] = {"code": code, "name": {"fr": values.get("programme_title") or code}}
            if values.get("unit"):
                programmes[code]["organisational_unit_code"] = values["unit"]
        first = by_code.get(row.code or "")
        if first is None or row.code is None:
            by_code[row.code or f"#{line}"] = row
            parsed.courses.append(row)
            continue
        # an element of several programmes (VET) comes once per programme: one course with all of them
        for name in ("programme_codes", "term_codes"):
            first.patch[name] = list(dict.fromkeys([*first.patch.get(name, []), *row.patch.get(name, [])]))
    parsed.reference["programmes"] = [(0, p) for p in programmes.values()]
    return parsed


def _apogee_row(line: int, values: Mapping[str, str], options: Mapping[str, Any]) -> SourceRow:
    row = SourceRow(line, values.get("code"), {})
    for lang in ("fr", "en"):
        for name in ("title", "description"):
            if values.get(f"{name}_{lang}"):
                row.by_language.setdefault(name, {})[lang] = values[f"{name}_{lang}"]
    simple = {"ects": ("ects", _decimal_text), "isced": ("isced_code", _plain), "eqf": ("eqf_level", _int_or_text)}
    for source, (target, parse) in simple.items():
        if source in values:
            row.patch[target] = parse(values[source])
    if "unit" in values:
        row.patch["organisational_unit_code"] = values["unit"]
    if "programme" in values:
        row.patch["programme_codes"] = [values["programme"]]
    if "term" in values:
        term = map_term(values["term"], options)
        if term is None:
            row.errors.append(_error(["term"], f"the semester '{values['term']}' matches no term (see term options)"))
        else:
            row.patch["term_codes"] = [term]
    if "languages" in values:
        codes = re.split(r"[|,/ ]+", values["languages"])
        row.patch["languages"] = [{"language": c.strip().lower()[:2]} for c in codes if c.strip()]
    if "capacity" in values:
        row.patch["capacity"] = _int_or_text(values["capacity"])
    if "hours" in values:
        hours = _decimal_text(values["hours"]) or "0"
        try:
            row.patch["hours"] = {"lecture": round(float(hours))}
        except ValueError:
            row.errors.append(_error(["hours"], f"'{values['hours']}' is not a number of hours"))
    if "open" in values:
        try:
            row.patch["open_to_exchange"] = _bool(values["open"])
        except ValueError as exc:
            row.errors.append(_error(["open"], str(exc)))
    return row


_TRAILING_NUMBER = re.compile(r"(\d+)$")


def map_term(value: str, options: Mapping[str, Any]) -> str | None:
    """SMILE's term for a SIS semester: an explicit ``term_map`` entry, else odd semesters (S1, S3, S5…) to
    ``autumn_term`` and even ones to ``spring_term``, else the value itself (already a SMILE term code)."""
    term_map: Mapping[str, str] = options.get("term_map") or {}
    if value in term_map:
        return term_map[value]
    number = _TRAILING_NUMBER.search(value)
    autumn, spring = options.get("autumn_term"), options.get("spring_term")
    if number and (autumn or spring):
        term = autumn if int(number.group(1)) % 2 else spring
        return str(term) if term else None
    return value


def multilingual_fields() -> tuple[str, ...]:
    return _MULTILINGUAL
