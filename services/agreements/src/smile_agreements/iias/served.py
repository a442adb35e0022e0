"""The v7 ``<iia>`` elements the EWP gateway serves, rendered once per revision of each IIA.

An IIA's served XML is a function of its row and its conditions. Every change of what we write into them
goes through ``store_content`` + ``save_version``, which raises ``version`` (the revision the office's
API already uses to refuse stale edits); ``in_effect`` is the only served field that changes without a new
version (it becomes true with the mutual approval). The *revision* of the served XML is therefore a digest
of ``version``, ``in_effect``, ``terminated_as_a_whole``, ``pdf_file`` and ``iia_hash``: the XML of a
revision never changes, so it is rendered once per process and cached, and the gateway (which caches the
checked fragments by the same revision) only receives the XML of revisions it does not hold yet.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.convert import content_of
from smile_agreements.iias.ewpxml import render_iia
from smile_agreements.iias.repository import IiaRepository

__all__ = ["revision", "served_iias"]

#: rendered ``<iia>`` XML by (tenant, IIA id, revision)
_RENDERED: OrderedDict[tuple[str, uuid.UUID, str], str] = OrderedDict()
_RENDERED_MAX = 20_000


def revision(version: int, in_effect: bool, terminated_as_a_whole: bool, pdf_file: str | None, iia_hash: str) -> str:
    text = f"{version}|{int(in_effect)}|{int(terminated_as_a_whole)}|{pdf_file or ''}|{iia_hash}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _remember(key: tuple[str, uuid.UUID, str], xml: str) -> None:
    _RENDERED[key] = xml
    if len(_RENDERED) > _RENDERED_MAX:
        _RENDERED.popitem(last=False)


async def served_iias(
    session: AsyncSession,
    tenant: str,
    partner_hei_id: str,
    iia_ids: Sequence[uuid.UUID],
    known: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Each asked IIA the partner may fetch, in the order asked: ``iia_id``, ``revision``, and ``ewp_xml``
    (``None`` when ``known`` already names this revision for this id). Two queries at most: the
    revisions of the asked IIAs, then rows and conditions of those not rendered yet (three)."""
    repo = IiaRepository(session)
    rows = {row[0]: row for row in await repo.visible_revisions(tenant, partner_hei_id, iia_ids)}
    out: dict[uuid.UUID, dict[str, Any]] = {}
    missing: list[uuid.UUID] = []
    for iia_id, row in rows.items():
        rev = revision(row[1], row[2], row[3], row[4], row[5])
        item: dict[str, Any] = {"iia_id": str(iia_id), "revision": rev, "ewp_xml": None}
        out[iia_id] = item
        if known.get(str(iia_id)) == rev:
            continue
        xml = _RENDERED.get((tenant, iia_id, rev))
        if xml is None:
            missing.append(iia_id)
        else:
            _RENDERED.move_to_end((tenant, iia_id, rev))
            item["ewp_xml"] = xml
    if missing:
        conditions = await repo.conditions_of(tenant, missing)
        rendered: set[uuid.UUID] = set()
        for iia in await repo.visible_by_ids(tenant, partner_hei_id, missing):
            rendered.add(iia.id)
            element, _ = render_iia(content_of(iia, conditions[iia.id]))
            xml = etree.tostring(element, encoding="unicode")
            # the revision of the row just read (it may be newer than the one read above)
            rev = revision(iia.version, iia.in_effect, iia.terminated_as_a_whole, iia.pdf_file, iia.iia_hash)
            _remember((tenant, iia.id, rev), xml)
            out[iia.id].update(revision=rev, ewp_xml=xml)
        for gone in set(missing) - rendered:  # no longer visible since the first query
            del out[gone]
    return [out[i] for i in dict.fromkeys(iia_ids) if i in out]
