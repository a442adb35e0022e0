"""The transcript of records as a PDF, in French or English, rendered from the issued content."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from smile_records.pdfdoc import Document

__all__ = ["render_transcript"]

Lang = Literal["fr", "en"]

_WORDS: dict[str, dict[Lang, str]] = {
    "title": {"fr": "Relevé de notes (Transcript of Records)", "en": "Transcript of Records"},
    "student": {"fr": "Étudiant", "en": "Student"},
    "born": {"fr": "Date de naissance", "en": "Date of birth"},
    "esi": {"fr": "Identifiant européen (ESI)", "en": "European Student Identifier"},
    "home": {"fr": "Établissement d'origine", "en": "Sending institution"},
    "mobility": {"fr": "Mobilité", "en": "Mobility"},
    "period": {"fr": "Période", "en": "Period"},
    "code": {"fr": "Code", "en": "Code"},
    "course": {"fr": "Enseignement", "en": "Course"},
    "ects": {"fr": "ECTS", "en": "ECTS"},
    "grade": {"fr": "Note", "en": "Grade"},
    "result": {"fr": "Résultat", "en": "Result"},
    "date": {"fr": "Date", "en": "Date"},
    "passed": {"fr": "Validé", "en": "Passed"},
    "failed": {"fr": "Non validé", "en": "Failed"},
    "totals": {"fr": "Crédits ECTS obtenus / présentés", "en": "ECTS credits obtained / attempted"},
    "scales": {"fr": "Échelles de notation", "en": "Grading schemes"},
    "tables": {
        "fr": "Tables de distribution des notes (ECTS grading tables)",
        "en": "Grade distribution tables (ECTS grading tables)",
    },
    "table_of": {
        "fr": "Groupe de référence ISCED {isced}{eqf}, années {years}, {total} notes",
        "en": "Reference group ISCED {isced}{eqf}, years {years}, {total} grades",
    },
    "percent": {"fr": "% des notes", "en": "% of grades"},
    "cumulative": {"fr": "% cumulé", "en": "cumulative %"},
    "small": {"fr": "Groupe de petite taille : à utiliser avec prudence.", "en": "Small group: use with care."},
    "no_table": {
        "fr": "Pas de table de distribution pour ISCED {isced}.",
        "en": "No grade distribution table for ISCED {isced}.",
    },
    "version": {"fr": "Version {version} délivrée le {date}", "en": "Version {version} issued on {date}"},
    "correction": {"fr": "Corrige la version précédente : {reason}", "en": "Corrects the previous version: {reason}"},
    "signatory": {"fr": "Pour l'établissement", "en": "For the institution"},
    "count": {"fr": "Effectif", "en": "Count"},
}


def _w(key: str, lang: Lang, **values: object) -> str:
    return _WORDS[key][lang].format(**values)


def _name(names: dict[str, str], lang: Lang) -> str:
    return names.get(lang) or names.get("en") or names.get("fr") or next(iter(names.values()), "")


def _header(doc: Document, content: dict[str, Any], lang: Lang) -> None:
    issuer = content["issuer"]
    doc.heading(_name(issuer["name"], lang), 12)
    if issuer.get("city"):
        doc.paragraph(f"{issuer['city']} - {issuer['hei_id']}", 8)
    doc.heading(_w("title", lang), 16)


def _identity(doc: Document, content: dict[str, Any], lang: Lang) -> None:
    learner, mobility = content["learner"], content["mobility"]
    doc.fields(
        [
            (_w("student", lang), f"{learner['family_name'].upper()} {learner['given_names']}"),
            (_w("born", lang), learner.get("birth_date")),
            (_w("esi", lang), learner.get("esi")),
            (_w("home", lang), mobility.get("sending_hei_id")),
            (_w("mobility", lang), mobility.get("omobility_id") or mobility["id"]),
            (
                _w("period", lang),
                f"{mobility['term']['names'][lang]} ({mobility['term']['start']} - {mobility['term']['end']})",
            ),
        ]
    )


def _courses(doc: Document, content: dict[str, Any], lang: Lang) -> None:
    rows = [
        [
            c["course_code"],
            _name(c["title"], lang),
            c["credits"],
            c["grade"],
            _w("passed" if c["passed"] else "failed", lang),
            c["result_date"],
        ]
        for c in content["components"]
    ]
    header = [_w(k, lang) for k in ("code", "course", "ects", "grade", "result", "date")]
    doc.table(header, rows, [22, 70, 12, 14, 18, 20])
    doc.fields([(_w("totals", lang), f"{content['ects_obtained']} / {content['ects_attempted']}")])


def _tables(doc: Document, content: dict[str, Any], lang: Lang) -> None:
    doc.heading(_w("scales", lang), 11)
    for scheme in content["grading_schemes"]:
        doc.paragraph(f"{scheme}: {_name(content['scale_names'][scheme], lang)}")
    doc.heading(_w("tables", lang), 11)
    for table in content["tables"]:
        eqf = f", EQF {table['eqf_level']}" if table.get("eqf_level") else ""
        doc.paragraph(
            _w(
                "table_of",
                lang,
                isced=table["table_isced_code"],
                eqf=eqf,
                years=", ".join(table["academic_years"]),
                total=table["total"] or "?",
            )
        )
        rows = [
            [g["label"], g["count"] if g["count"] is not None else "-", g["percentage"], g["cumulative"]]
            for g in table["grades"]
        ]
        doc.table(
            [_w("grade", lang), _w("count", lang), _w("percent", lang), _w("cumulative", lang)], rows, [20, 20, 25, 25]
        )
        if table.get("small"):
            doc.paragraph(_w("small", lang), 8)
    for warning in content["warnings"]:
        if warning.startswith("no-grade-table:"):
            doc.paragraph(_w("no_table", lang, isced=warning.split(":", 1)[1]), 8)


def render_transcript(
    content: dict[str, Any], *, version: int, issued_at: datetime, lang: Lang, correction_reason: str | None = None
) -> bytes:
    reference = f"ToR {content['mobility']['id']} v{version}"
    doc = Document(title=_w("title", lang), reference=reference, created_at=issued_at)
    _header(doc, content, lang)
    _identity(doc, content, lang)
    _courses(doc, content, lang)
    _tables(doc, content, lang)
    doc.paragraph(_w("version", lang, version=version, date=issued_at.date().isoformat()))
    if correction_reason:
        doc.paragraph(_w("correction", lang, reason=correction_reason))
    signatory = content["issuer"].get("signatory")
    if signatory:
        doc.paragraph(f"{_w('signatory', lang)}: {signatory}")
    return doc.output()
