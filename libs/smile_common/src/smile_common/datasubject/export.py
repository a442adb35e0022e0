"""The answer to a data-subject request: a JSON document for machines, a readable page for people."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["export_document", "render_html"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}h2{border-bottom:2px solid #335;margin-top:2rem}"
    ".about{color:#555;font-size:.9rem}"
)


def export_document(request: dict[str, Any], replies: list[dict[str, Any]]) -> dict[str, Any]:
    """The request, the person's identifiers, and each service's sections (data, or what erasure did)."""
    final = "collect" if request["kind"] == "access" else "erase"
    services = {
        reply["service"]: {"sections": (reply["result"] or {}).get("sections", [])}
        for reply in replies
        if reply["phase"] == final and reply["outcome"] == "done"
    }
    return {
        "request": {
            "id": str(request["id"]),
            "kind": request["kind"],
            "outcome": request["outcome"],
            "filed_at": request["filed_at"].isoformat(),
            "completed_at": request["completed_at"].isoformat() if request["completed_at"] else None,
            "university": request["tenant"],
        },
        "subject": request["identity"],
        "services": dict(sorted(services.items())),
    }


def render_html(document: dict[str, Any]) -> str:
    """A self-contained page (no script, no external resource) the officer can send or print."""
    request = document["request"]
    access = request["kind"] == "access"
    title = "Your personal data held by SMILE" if access else "Erasure of your personal data in SMILE"
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>",
        f"<p class='about'>University: {escape(request['university'])} · request {escape(request['id'])} · "
        f"filed {escape(request['filed_at'][:10])} · answered {escape((request['completed_at'] or '')[:10])}</p>",
        _identity(document["subject"]),
    ]
    if request["outcome"] == "subject_not_found":
        parts.append("<p><strong>No service of SMILE holds data about this person. Nothing was changed.</strong></p>")
    for service, content in document["services"].items():
        sections = content["sections"]
        parts.append(f"<h2>{escape(service)}</h2>")
        if not sections:
            parts.append("<p>No data about you in this service.</p>")
        for section in sections:
            parts.append(_section(section) if access else _erasure(section))
    parts.append("</body></html>")
    return "".join(parts)


def _identity(subject: dict[str, Any]) -> str:
    rows = [("ESI", ", ".join(subject.get("esis", []))), ("E-mail", ", ".join(subject.get("emails", [])))]
    if subject.get("birth_date"):
        rows.append(("Birth date", str(subject["birth_date"])))
    return _table(["Identified by", ""], [list(r) for r in rows if r[1]])


def _section(section: dict[str, Any]) -> str:
    about = [
        f"{label}: {escape(str(section[key]))}"
        for key, label in (("purpose", "Purpose"), ("legal_basis", "Legal basis"), ("retention", "Kept"))
        if section.get(key)
    ]
    records = section.get("records", [])
    columns = sorted({key for record in records for key in record})
    html = f"<h3>{escape(section['title'])}</h3>"
    if about:
        html += f"<p class='about'>{'<br>'.join(about)}</p>"
    return html + _table(columns, [[_cell(record.get(c)) for c in columns] for record in records])


def _erasure(section: dict[str, Any]) -> str:
    rows = [[section["title"], section["erased"], section["anonymised"], section["kept"], section.get("reason", "")]]
    return _table(["Data", "Erased", "Anonymised", "Kept", "Why kept"], rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _table(head: list[str], rows: list[list[Any]]) -> str:
    header = "".join(f"<th>{escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
