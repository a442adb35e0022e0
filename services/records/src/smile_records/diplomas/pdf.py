"""The diploma supplement as a PDF in French or English, with the ECTS grading tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from smile_records.diplomas.texts import FRENCH_SYSTEM, PREAMBLE, SECTIONS
from smile_records.pdfdoc import Document

Lang = Literal["fr", "en"]

_L: dict[str, dict[Lang, str]] = {
    "title": {"fr": "Annexe descriptive au diplôme (Diploma Supplement)", "en": "Diploma Supplement"},
    "family": {"fr": "Nom", "en": "Family name"},
    "given": {"fr": "Prénom(s)", "en": "Given name(s)"},
    "born": {"fr": "Date de naissance", "en": "Date of birth"},
    "ids": {"fr": "Identifiants (ESI, INE, numéro étudiant)", "en": "Identifiers (ESI, INE, student number)"},
    "name": {"fr": "Intitulé du diplôme", "en": "Name of the qualification"},
    "conferred": {"fr": "Titre conféré", "en": "Title conferred"},
    "field": {"fr": "Principaux domaines d'études (ISCED)", "en": "Main fields of study (ISCED)"},
    "awarding": {"fr": "Établissement ayant délivré le diplôme", "en": "Awarding institution"},
    "languages": {"fr": "Langues d'enseignement et d'examen", "en": "Languages of instruction and examination"},
    "level": {"fr": "Niveau", "en": "Level"},
    "length": {"fr": "Durée officielle du programme", "en": "Official length of the programme"},
    "access": {"fr": "Conditions d'accès", "en": "Access requirements"},
    "mode": {"fr": "Organisation des études", "en": "Mode of study"},
    "requirements": {"fr": "Exigences du programme", "en": "Programme requirements"},
    "code": {"fr": "Code", "en": "Code"},
    "course": {"fr": "Enseignement", "en": "Course"},
    "ects": {"fr": "ECTS", "en": "ECTS"},
    "grade": {"fr": "Note", "en": "Grade"},
    "date": {"fr": "Date", "en": "Date"},
    "obtained": {"fr": "Crédits ECTS obtenus", "en": "ECTS credits obtained"},
    "scheme": {"fr": "Système de notation", "en": "Grading scheme"},
    "table": {
        "fr": "Table de distribution des notes ECTS : ISCED {isced}, années {years}, {total} notes",
        "en": "ECTS grading table: ISCED {isced}, years {years}, {total} grades",
    },
    "count": {"fr": "Effectif", "en": "Count"},
    "percent": {"fr": "%", "en": "%"},
    "cumulative": {"fr": "% cumulé", "en": "cumulative %"},
    "classification": {"fr": "Classification générale", "en": "Overall classification"},
    "further": {"fr": "Accès à un niveau d'études supérieur", "en": "Access to further study"},
    "professional": {"fr": "Statut professionnel conféré", "en": "Professional status"},
    "awarded": {"fr": "Date d'obtention", "en": "Date awarded"},
    "certified": {"fr": "Délivrée le {date} par {issuer}", "en": "Issued on {date} by {issuer}"},
    "signatory": {"fr": "Signataire", "en": "Signatory"},
}


def _t(texts: dict[str, str] | None, lang: Lang) -> str:
    texts = texts or {}
    return texts.get(lang) or texts.get("en") or texts.get("fr") or ""


def render_supplement(content: dict[str, Any], *, issued_at: datetime, lang: Lang, reference: str) -> bytes:
    request, holder, issuer = content["request"], content["holder"], content["issuer"]
    qualification, level = request["qualification"], request["level"]
    doc = Document(title=_L["title"][lang], reference=reference, created_at=issued_at)
    doc.heading(_t(issuer["name"], lang), 12)
    doc.heading(_L["title"][lang], 15)
    doc.paragraph(PREAMBLE[lang], 8)
    doc.heading(SECTIONS[1][lang], 11)
    ids = ", ".join(v for v in (holder.get("esi"), holder.get("ine"), holder.get("student_number")) if v)
    doc.fields(
        [
            (_L["family"][lang], holder["family_name"]),
            (_L["given"][lang], holder["given_names"]),
            (_L["born"][lang], holder.get("birth_date")),
            (_L["ids"][lang], ids),
        ]
    )
    doc.heading(SECTIONS[2][lang], 11)
    doc.fields(
        [
            (_L["name"][lang], _t(qualification["name"], lang)),
            (_L["conferred"][lang], _t(qualification.get("title_conferred"), lang)),
            (_L["field"][lang], f"{_t(qualification['field_of_study'], lang)} ({qualification['isced_code']})"),
            (_L["awarding"][lang], _t(issuer["name"], lang)),
            (_L["languages"][lang], ", ".join(qualification.get("languages") or [])),
        ]
    )
    doc.heading(SECTIONS[3][lang], 11)
    doc.fields(
        [
            (_L["level"][lang], f"{_t(level['name'], lang)} (EQF {level['eqf_level']})"),
            (_L["length"][lang], _t(level["official_length"], lang)),
            (_L["access"][lang], _t(level.get("access_requirements"), lang)),
        ]
    )
    _section4(doc, content, lang)
    doc.heading(SECTIONS[5][lang], 11)
    doc.fields(
        [
            (_L["further"][lang], _t(request.get("further_study"), lang)),
            (_L["professional"][lang], _t(request.get("professional_status"), lang)),
        ]
    )
    doc.heading(SECTIONS[6][lang], 11)
    doc.paragraph(_t(request.get("additional_information"), lang) or "-")
    doc.heading(SECTIONS[7][lang], 11)
    doc.fields([(_L["awarded"][lang], request["awarded_on"]), (_L["signatory"][lang], issuer.get("signatory"))])
    doc.paragraph(_L["certified"][lang].format(date=issued_at.date().isoformat(), issuer=_t(issuer["name"], lang)))
    doc.heading(SECTIONS[8][lang], 11)
    doc.paragraph(FRENCH_SYSTEM[lang], 8)
    return doc.output()


def _section4(doc: Document, content: dict[str, Any], lang: Lang) -> None:
    request = content["request"]
    doc.heading(SECTIONS[4][lang], 11)
    doc.fields(
        [
            (_L["mode"][lang], _t(request.get("mode_of_study"), lang)),
            (_L["requirements"][lang], _t(request.get("programme_requirements"), lang)),
        ]
    )
    rows = [
        [c["course_code"], _t(c["title"], lang), c["credits"], c["grade"], c["result_date"]] for c in content["courses"]
    ]
    doc.table([_L[k][lang] for k in ("code", "course", "ects", "grade", "date")], rows, [22, 80, 12, 14, 20])
    doc.fields(
        [
            (_L["obtained"][lang], content["ects_obtained"]),
            (_L["classification"][lang], _t(request.get("overall_classification"), lang)),
        ]
    )
    doc.paragraph(
        _L["scheme"][lang] + ": " + "; ".join(f"{k}: {_t(v, lang)}" for k, v in content["scale_names"].items())
    )
    for table in content["tables"]:
        doc.paragraph(
            _L["table"][lang].format(
                isced=table["table_isced_code"], years=", ".join(table["academic_years"]), total=table["total"] or "?"
            )
        )
        grades = [
            [g["label"], g["count"] if g["count"] is not None else "-", g["percentage"], g["cumulative"]]
            for g in table["grades"]
        ]
        doc.table(
            [_L["grade"][lang], _L["count"][lang], _L["percent"][lang], _L["cumulative"][lang]],
            grades,
            [20, 20, 25, 25],
        )
