"""Personal data held by the EWP gateway: the traffic log of exchanges with partners (whose XML bodies
name students) and the notifications waiting to be delivered. Nothing else holds personal data here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import Keep, PersonData, SubjectIdentity
from smile_common.service import Runtime
from smile_ewp_gateway.db import OutboundCall, Traffic
from smile_ewp_gateway.settings import EwpGatewaySettings

__all__ = ["TRAFFIC_KEPT", "person_data", "retention_rules"]

_traffic = cast(sa.Table, Traffic.__table__)
_outbound = cast(sa.Table, OutboundCall.__table__)
TRAFFIC_KEPT = (
    "The log of exchanges with partner universities is a security log: ordinary exchanges are erased after "
    "the traffic retention period; signed approvals and decisions are kept for non-repudiation until the "
    "archive retention period ends"
)
_LEGAL_BASIS = "Public task (GDPR art. 6(1)(e)) and legitimate interest in securing the exchanges (art. 32)"


class _BodyText(FunctionElement[str]):
    """A body (bytes) as searchable text on both backends, whatever bytes it holds."""

    inherit_cache = True
    type = sa.Text()


@compiles(_BodyText, "postgresql")
def _body_text_pg(element: _BodyText, compiler: Any, **kw: Any) -> str:
    return f"encode({compiler.process(element.clauses, **kw)}, 'escape')"


@compiles(_BodyText)
def _body_text(element: _BodyText, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


def _mentions(identity: SubjectIdentity, tenant: str) -> Any:
    needles = [*identity.esis, *identity.emails]
    if not needles:
        return None
    bodies = (sa.func.lower(_BodyText(_traffic.c.request_body)), sa.func.lower(_BodyText(_traffic.c.response_body)))
    found = [body.contains(needle, autoescape=True) for needle in needles for body in bodies]
    return sa.and_(sa.or_(*found), sa.or_(_traffic.c.local_hei_id == tenant, _traffic.c.local_hei_id.is_(None)))


def person_data(runtime: Runtime) -> list[PersonData]:
    traffic = PersonData(
        kind="ewp-traffic",
        title="Exchanges with partner universities that mention you",
        table=_traffic,
        match=_mentions,
        fields=["direction", "partner_hei_id", "api", "method", "status", "started_at", "archived"],
        on_erasure=[Keep(TRAFFIC_KEPT)],
        object_type="traffic",
        purpose="Exchange nominations, learning agreements and transcripts with your home university",
    )
    return [traffic]


def retention_rules(runtime: Runtime) -> list[RetentionRule]:
    settings = cast(EwpGatewaySettings, runtime.settings)

    async def traffic(ctx: RetentionContext) -> Mapping[str, int]:
        where = (_traffic.c.archived.is_(False), _traffic.c.started_at < ctx.cutoff)
        return await ctx.erase(_traffic, *where, object_type="traffic", tenant=_traffic.c.local_hei_id)

    async def archive(ctx: RetentionContext) -> Mapping[str, int]:
        where = (_traffic.c.archived.is_(True), _traffic.c.started_at < ctx.cutoff)
        return await ctx.erase(_traffic, *where, object_type="traffic", tenant=_traffic.c.local_hei_id)

    async def deliveries(ctx: RetentionContext) -> Mapping[str, int]:
        where = (_outbound.c.finished_at.is_not(None), _outbound.c.finished_at < ctx.cutoff)
        return await ctx.erase(_outbound, *where, object_type="outbound_call", tenant=_outbound.c.local_hei_id)

    return [
        RetentionRule(
            kind="ewp-traffic",
            description="Log of EWP exchanges (headers and XML bodies naming students)",
            purpose="Diagnose exchanges with partners, detect abuse",
            legal_basis=_LEGAL_BASIS,
            keep_days=settings.ewp_traffic_retention_days,
            starts="the exchange",
            action=RetentionAction.ERASE,
            apply=traffic,
        ),
        RetentionRule(
            kind="ewp-archive",
            description="Signed approvals and decisions exchanged with partners, kept whole",
            purpose="Prove what a partner approved or decided (non-repudiation)",
            legal_basis=_LEGAL_BASIS,
            keep_days=settings.ewp_archive_retention_days,
            starts="the exchange",
            action=RetentionAction.ERASE,
            apply=archive,
        ),
        RetentionRule(
            kind="ewp-deliveries",
            description="Notifications and updates delivered to partners (their content)",
            purpose="Deliver notifications to partners",
            legal_basis=_LEGAL_BASIS,
            keep_days=30,
            starts="the delivery ended",
            action=RetentionAction.ERASE,
            apply=deliveries,
        ),
    ]
