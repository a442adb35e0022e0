"""The ELMO v2 document of a transcript, as EWP Incoming Mobility ToRs v3 expects it.

EWP's rules on top of the ELMO schema: the issuer carries a ``schac`` identifier, the learner an ``esi``
identifier and a date of birth, each course (LOS) an ``ewp-los-id`` and a title, each course instance
(LOI) an ``ewp-loi-id``, its academic term, ECTS credits, result label and result distribution; the PDF
goes in a report attachment of type "Transcript of Records". The grade conversion table is built beside
the ELMO document (``gradeConversionTable`` of the ToR response).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from lxml import etree

__all__ = ["ELMO_NS", "TORS_NS", "conversion_table", "elmo_document", "tor_response"]

ELMO_NS = "https://github.com/emrex-eu/elmo-schemas/tree/v2"
TORS_NS = (
    "https://github.com/erasmus-without-paper/ewp-specs-api-imobility-tors/blob/stable-v3/endpoints/get-response.xsd"
)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ELMO_NS}}}{name}")
    for key, value in attrs.items():
        node.set(XML_LANG if key == "lang" else key, value)
    if text is not None:
        node.text = text
    return node


def _titles(parent: etree._Element, name: str, titles: dict[str, str]) -> None:
    for lang, text in sorted(titles.items()):
        if text:
            _el(parent, name, text, lang=lang)


def _learner(root: etree._Element, learner: dict[str, Any]) -> None:
    node = _el(root, "learner")
    if learner.get("citizenship"):
        _el(node, "citizenship", learner["citizenship"], type="ISO")
    if learner.get("esi"):
        _el(node, "identifier", learner["esi"], type="esi")
    _el(node, "givenNames", learner["given_names"])
    _el(node, "familyName", learner["family_name"])
    # ELMO v2.1 requires it ("full name in a non-Latin alphabet"); SMILE holds the name as the sender wrote it
    _el(node, "alternativeName", f"{learner['given_names']} {learner['family_name']}")
    if learner.get("birth_date"):
        _el(node, "dateOfBirth", learner["birth_date"])
    if learner.get("gender") in (0, 1, 2, 9):
        _el(node, "gender", str(learner["gender"]))


def _issuer(report: etree._Element, issuer: dict[str, Any]) -> None:
    node = _el(report, "issuer")
    if issuer.get("country"):
        _el(node, "country", issuer["country"], type="ISO")
    _el(node, "identifier", issuer["hei_id"], type="schac")
    _titles(node, "title", issuer["name"])
    _el(node, "url", issuer.get("url") or f"https://{issuer['hei_id']}")


def _instance(spec: etree._Element, course: dict[str, Any]) -> None:
    instance = _el(_el(spec, "specifies"), "learningOpportunityInstance")
    if course.get("loi_id"):
        _el(instance, "identifier", course["loi_id"], type="ewp-loi-id")
    term = course["term"]
    _el(instance, "start", term["start"])
    _el(instance, "date", course["result_date"])
    academic_term = _el(instance, "academicTerm")
    _titles(academic_term, "title", term["names"])
    _el(academic_term, "start", term["start"])
    _el(academic_term, "end", term["end"])
    _el(instance, "status", "passed" if course["passed"] else "failed")
    _el(instance, "gradingSchemeLocalId", course["grading_scale"])
    _el(instance, "resultLabel", course["grade"])
    distribution = course.get("distribution")
    if distribution:
        node = _el(instance, "resultDistribution")
        for category in distribution:
            _el(node, "category", label=str(category["label"]), count=str(category["count"]))
    credit = _el(instance, "credit")
    _el(credit, "scheme", "ects")
    _el(credit, "value", course["credits"])
    if course.get("eqf_level"):
        level = _el(instance, "level")
        _el(level, "type", "EQF")
        _el(level, "value", str(course["eqf_level"]))
    if course.get("languages"):
        _el(instance, "languageOfInstruction", course["languages"][0])


def _course(report: etree._Element, course: dict[str, Any]) -> None:
    spec = _el(report, "learningOpportunitySpecification")
    _el(spec, "identifier", course["course_code"], type="local")
    if course.get("los_id"):
        _el(spec, "identifier", course["los_id"], type="ewp-los-id")
    _titles(spec, "title", course["title"])
    _el(spec, "type", "Course")
    if course.get("isced_code"):
        _el(spec, "iscedCode", course["isced_code"])
    _instance(spec, course)


def _attachment(report: etree._Element, pdfs: dict[str, bytes]) -> None:
    node = _el(report, "attachment")
    _el(node, "title", "Relevé de notes", lang="fr")
    _el(node, "title", "Transcript of Records", lang="en")
    _el(node, "type", "Transcript of Records")
    for lang, pdf in sorted(pdfs.items()):
        _el(node, "content", "data:application/pdf;base64," + base64.b64encode(pdf).decode(), lang=lang)


def elmo_document(content: dict[str, Any], *, issued_at: datetime, pdfs: dict[str, bytes]) -> etree._Element:
    """The ``<elmo>`` element of ``content`` (as :func:`build_content` made it)."""
    root = etree.Element(f"{{{ELMO_NS}}}elmo", nsmap={None: ELMO_NS})
    _el(root, "generatedDate", issued_at.isoformat(timespec="seconds"))
    _learner(root, content["learner"])
    report = _el(root, "report")
    _issuer(report, content["issuer"])
    for course in content["components"]:
        _course(report, course)
    _el(report, "issueDate", issued_at.isoformat(timespec="seconds"))
    for scheme in content["grading_schemes"]:
        node = _el(report, "gradingScheme", localId=scheme)
        _titles(node, "description", content["scale_names"][scheme])
    if pdfs:
        _attachment(report, pdfs)
    return root


def conversion_table(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The grade conversion tables, one per ISCED code of the transcript (passing grades, best first)."""
    return [
        {
            "isced_code": table["isced_code"],
            "frequencies": [{"label": g["label"], "percentage": g["percentage"]} for g in table["grades"]],
        }
        for table in content["tables"]
    ]


def tor_response(items: list[tuple[str, str, etree._Element, list[dict[str, Any]]]]) -> etree._Element:
    """An ``imobility-tors-get-response`` of (omobility id, academic year, elmo, conversion table) items —
    what the gateway serves; used to validate a transcript against the EWP schema as a whole."""
    root = etree.Element(f"{{{TORS_NS}}}imobility-tors-get-response", nsmap={None: TORS_NS, "emrex": ELMO_NS})
    for omobility_id, year, elmo, table in items:
        tor = etree.SubElement(root, f"{{{TORS_NS}}}tor")
        etree.SubElement(tor, f"{{{TORS_NS}}}omobility-id").text = omobility_id
        etree.SubElement(tor, f"{{{TORS_NS}}}receiving-academic-year-id").text = year
        tor.append(elmo)
        if table:
            conversion = etree.SubElement(tor, f"{{{TORS_NS}}}gradeConversionTable")
            for isced in table:
                node = etree.SubElement(conversion, f"{{{TORS_NS}}}iscedTable", iscedCode=isced["isced_code"])
                for frequency in isced["frequencies"]:
                    etree.SubElement(
                        node,
                        f"{{{TORS_NS}}}gradeFrequency",
                        label=frequency["label"],
                        percentage=frequency["percentage"],
                    )
    return root
