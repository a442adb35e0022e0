"""The learning agreement as a PDF in the layout of the European template (Learning Agreement for
Studies): the student, the sending and receiving institutions, table A (studied at the receiving
institution), table B (recognised at the sending one), the commitment signatures, and the changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF

from smile_agreements.learning_agreements import rules
from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.mobilities.models import Mobility

_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Learning Agreement - Student Mobility for Studies",
        "student": "Student",
        "last": "Last name(s)",
        "first": "First name(s)",
        "birth": "Date of birth",
        "nationality": "Nationality",
        "gender": "Sex",
        "esi": "European Student Identifier",
        "email": "E-mail",
        "year": "Academic year",
        "sending": "Sending Institution",
        "receiving": "Receiving Institution",
        "name": "Name",
        "contact": "Contact person",
        "period": "Planned period",
        "table_a": "Table A - Study programme at the receiving institution",
        "table_b": "Table B - Recognition at the sending institution",
        "table_c": "Virtual and blended components",
        "code": "Component code",
        "component": "Component title",
        "term": "Semester",
        "ects": "ECTS credits",
        "total": "Total",
        "commitment": "Commitment",
        "commitment_text": "By signing this document, the student, the sending institution and the receiving "
        "institution confirm that they approve the Learning Agreement and that they will comply with all the "
        "arrangements agreed by all parties.",
        "party": "Responsible person",
        "position": "Function",
        "date": "Date",
        "signature": "Signature",
        "changes": "Changes to the Learning Agreement (during the mobility)",
        "change": "Change",
        "reason": "Reason",
        "inserted": "added",
        "deleted": "deleted",
        "version": "Version",
        "status": "Status",
        "p_student": "Student",
        "p_sending": "Sending responsible person",
        "p_receiving": "Receiving responsible person",
        "signed_in": "signed electronically in",
        "not_signed": "not signed yet",
        "unit": "Faculty / department",
        "p_short_student": "Student",
        "p_short_sending": "Sending HEI",
        "p_short_receiving": "Receiving HEI",
        "draft": "draft",
        "proposed": "awaiting signatures",
        "approved": "approved",
        "rejected": "rejected",
        "superseded": "superseded",
    },
    "fr": {
        "title": "Contrat d'études - Mobilité d'études",
        "student": "Étudiant",
        "last": "Nom(s)",
        "first": "Prénom(s)",
        "birth": "Date de naissance",
        "nationality": "Nationalité",
        "gender": "Sexe",
        "esi": "Identifiant européen de l'étudiant",
        "email": "Courriel",
        "year": "Année universitaire",
        "sending": "Établissement d'origine",
        "receiving": "Établissement d'accueil",
        "name": "Nom",
        "contact": "Personne à contacter",
        "period": "Période prévue",
        "table_a": "Tableau A - Programme d'études dans l'établissement d'accueil",
        "table_b": "Tableau B - Reconnaissance dans l'établissement d'origine",
        "table_c": "Composantes virtuelles et hybrides",
        "code": "Code",
        "component": "Intitulé",
        "term": "Semestre",
        "ects": "Crédits ECTS",
        "total": "Total",
        "commitment": "Engagement",
        "commitment_text": "En signant ce document, l'étudiant, l'établissement d'origine et l'établissement "
        "d'accueil confirment qu'ils approuvent le contrat d'études et qu'ils respecteront toutes les "
        "dispositions convenues par les parties.",
        "party": "Responsable",
        "position": "Fonction",
        "date": "Date",
        "signature": "Signature",
        "changes": "Modifications du contrat d'études (pendant la mobilité)",
        "change": "Modification",
        "reason": "Motif",
        "inserted": "ajouté",
        "deleted": "supprimé",
        "version": "Version",
        "status": "Statut",
        "p_student": "Étudiant",
        "p_sending": "Responsable de l'établissement d'origine",
        "p_receiving": "Responsable de l'établissement d'accueil",
        "signed_in": "signé électroniquement dans",
        "not_signed": "pas encore signé",
        "unit": "Composante",
        "p_short_student": "Étudiant",
        "p_short_sending": "Établissement d'origine",
        "p_short_receiving": "Établissement d'accueil",
        "draft": "brouillon",
        "proposed": "en attente de signatures",
        "approved": "approuvé",
        "rejected": "refusé",
        "superseded": "remplacé",
    },
}


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.unicode = False
        for folder in _FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.add_font("body", "", str(regular))
                self.add_font("body", "B", str(bold))
                self.unicode = True
                break
        self.family_name = "body" if self.unicode else "helvetica"
        self.set_auto_page_break(True, margin=15)

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 7)
        self.cell(0, 5, self.text_of(f"{self.footer_text} - {self.page_no()}"), align="C")


def render(
    la: LearningAgreement, mobility: Mobility, versions: list[LaVersion], version: LaVersion, language: str
) -> bytes:
    t = LABELS.get(language, LABELS["en"])
    pdf = _Pdf(f"{t['version']} {version.number} - {version.proposal_id or ''}")
    pdf.add_page()
    pdf.set_font(pdf.family_name, "B", 14)
    pdf.multi_cell(0, 8, pdf.text_of(t["title"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "", 8)
    state = t.get(version.status, version.status)
    pdf.cell(
        0,
        5,
        pdf.text_of(f"{t['year']}: {mobility.academic_year}   {t['version']} {version.number} ({state})"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _grid(
        pdf,
        t["student"],
        [
            (t["last"], mobility.student_family_name),
            (t["first"], mobility.student_given_names),
            (t["birth"], mobility.student_birth_date),
            (t["nationality"], mobility.student_citizenship),
            (t["esi"], mobility.student_esi),
            (t["email"], mobility.student_email),
        ],
    )
    contact = la.sending_contact or {}
    _grid(pdf, t["sending"], [(t["name"], la.sending_hei_id), (t["contact"], _person(contact))])
    receiving = la.receiving_contact or {}
    period = f"{mobility.planned_arrival_date or ''} - {mobility.planned_departure_date or ''}"
    _grid(
        pdf,
        t["receiving"],
        [
            (t["name"], la.tenant),
            (t["unit"], mobility.receiving_ounit_code),
            (t["contact"], _person(receiving)),
            (t["period"], period),
        ],
    )
    first = next((v for v in versions if v.kind == "first_version" and v.status == "approved"), None)
    base = version if version.kind == "first_version" else (first or version)
    for table, label in (("studied", "table_a"), ("recognized", "table_b")):
        _components(pdf, t, t[label], [c for c in base.components if c["table"] == table])
    extra = [c for c in base.components if c["table"] in ("virtual", "blended")]
    if extra:
        _components(pdf, t, t["table_c"], extra)
    _signatures(pdf, t, base)
    changes = [
        v
        for v in versions
        if v.kind == "changes" and v.number <= version.number and v.status in ("approved", "proposed")
    ]
    if version.kind == "changes" and version not in changes:
        changes.append(version)
    for v in changes:
        _changes(pdf, t, v)
    return bytes(pdf.output())


def _person(contact: dict[str, Any]) -> str:
    return ", ".join(str(x) for x in (contact.get("name"), contact.get("position"), contact.get("email")) if x)


def _section(pdf: _Pdf, title: str) -> None:
    pdf.ln(3)
    pdf.set_font(pdf.family_name, "B", 10)
    pdf.set_fill_color(220, 230, 241)
    pdf.cell(0, 7, pdf.text_of(title), border=1, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, "", 8)


def _grid(pdf: _Pdf, title: str, rows: list[tuple[str, object]]) -> None:
    _section(pdf, title)
    for label, value in rows:
        pdf.set_font(pdf.family_name, "B", 8)
        pdf.cell(55, 6, pdf.text_of(label), border=1)
        pdf.set_font(pdf.family_name, "", 8)
        pdf.cell(0, 6, pdf.text_of(value if value not in (None, "") else "-"), border=1, new_x="LMARGIN", new_y="NEXT")


_WIDTHS = (32, 98, 30, 30)


def _components(pdf: _Pdf, t: dict[str, str], title: str, components: list[dict[str, Any]]) -> None:
    _section(pdf, title)
    _row(pdf, [t["code"], t["component"], t["term"], t["ects"]], bold=True)
    for c in components:
        _row(
            pdf, [c.get("code") or c.get("los_id") or "", c.get("title") or "", c.get("term") or "", str(c["credits"])]
        )
    total = rules.totals(components)
    _row(pdf, ["", t["total"], "", str(sum(total.values()))], bold=True)


def _row(pdf: _Pdf, cells: list[str], *, bold: bool = False) -> None:
    pdf.set_font(pdf.family_name, "B" if bold else "", 8)
    for width, value in zip(_WIDTHS, cells, strict=True):
        text = pdf.text_of(value)
        while pdf.get_string_width(text) > width - 2 and len(text) > 3:
            text = text[:-4] + "..."
        pdf.cell(width, 6, text, border=1)
    pdf.ln(6)


def _signatures(pdf: _Pdf, t: dict[str, str], version: LaVersion) -> None:
    _section(pdf, t["commitment"])
    pdf.multi_cell(0, 4, pdf.text_of(t["commitment_text"]), new_x="LMARGIN", new_y="NEXT")
    widths = (40, 42, 58, 50)
    heads = [t["party"], t["name"], t["position"] + " / " + t["email"], t["date"] + " / " + t["signature"]]
    pdf.set_font(pdf.family_name, "B", 8)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 6, pdf.text_of(head), border=1)
    pdf.ln(6)
    pdf.set_font(pdf.family_name, "", 7)
    for party in ("student", "sending", "receiving"):
        sig = version.signatures.get(party)
        when = (
            f"{sig['timestamp'][:16].replace('T', ' ')} UTC, {sig.get('signer_app') or '-'}" if sig else t["not_signed"]
        )
        who = (sig or {}).get("signer_name") or ""
        where = " / ".join(x for x in ((sig or {}).get("signer_position"), (sig or {}).get("signer_email")) if x)
        for width, value in zip(widths, [t[f"p_short_{party}"], who, where, when], strict=True):
            text = pdf.text_of(value)
            while pdf.get_string_width(text) > width - 2 and len(text) > 3:
                text = text[:-4] + "..."
            pdf.cell(width, 7, text, border=1)
        pdf.ln(7)


def _changes(pdf: _Pdf, t: dict[str, str], v: LaVersion) -> None:
    _section(pdf, f"{t['changes']} - {t['version']} {v.number} ({t.get(v.status, v.status)})")
    _row(pdf, [t["code"], t["component"], t["change"], t["ects"]], bold=True)
    for c in v.components:
        change = t.get(c.get("status") or "", c.get("status") or "")
        reason = c.get("reason_code") or ""
        _row(pdf, [c.get("code") or "", f"{c.get('title') or ''} ({t['reason']}: {reason})", change, str(c["credits"])])
    _signatures(pdf, t, v)
