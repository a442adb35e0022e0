"""Field-by-field comparison of SMILE's copy with the partner's copy of the same IIA.

Each copy lists its owner first, so our side is ``partners[0]`` in ours and ``partners[1]`` in theirs.
Conditions are paired by kind and direction (then by how alike they are), never by position. Each
difference says whether it ``affects_hash``: a difference in a field the v7 hash covers means the two
copies do not say the same thing, and the partner should not approve ours (nor we theirs) as they stand.
Contacts, signing data, agreement numbers and units of the partners are outside the hash.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel

from smile_agreements.iias.content import CooperationCondition, IiaContent, IiaPartner

__all__ = ["Comparison", "Difference", "compare", "pair_conditions"]

#: fields of a condition, and whether the hash covers them
CONDITION_FIELDS: dict[str, bool] = {
    "sending_ounit_id": True,
    "sending_contacts": False,
    "receiving_ounit_id": True,
    "receiving_contacts": False,
    "receiving_first_academic_year_id": True,
    "receiving_last_academic_year_id": True,
    "mobilities_per_year": True,
    "recommended_language_skills": True,
    "subject_areas": True,
    "other_info_terms": True,
    "total_months_per_year": True,
    "blended": True,
    "eqf_levels": True,
    "total_days_per_year": True,
}
PARTNER_FIELDS: dict[str, bool] = {
    "hei_id": False,
    "ounit_id": False,
    "iia_id": True,
    "iia_code": False,
    "signing_contact": False,
    "signing_date": False,
    "contacts": False,
}


class Difference(BaseModel):
    field: str
    ours: Any
    theirs: Any
    affects_hash: bool
    note: str | None = None


class ConditionPair(BaseModel):
    ours: int | None
    theirs: int | None
    cooperation_condition_id: str | None = None


class Comparison(BaseModel):
    #: no difference at all
    identical: bool
    #: no difference in what the hash covers: approving is safe
    same_terms: bool
    differences: list[Difference]
    pairs: list[ConditionPair]


def _value(condition: CooperationCondition, field: str) -> Any:
    if field == "mobilities_per_year" and condition.mobilities_per_year_not_yet_defined:
        return "not yet defined"
    if field == "blended" and condition.is_student:
        return bool(condition.blended)
    value = getattr(condition, field)
    if isinstance(value, list):
        return [v.model_dump(mode="json", exclude_none=True) if isinstance(v, BaseModel) else v for v in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return value


def _note(ours: Any, theirs: Any) -> str | None:
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        key = repr
        if Counter(map(key, ours)) == Counter(map(key, theirs)):
            return "the same items in another order: the hash reads them in order"
    return None


def _flow(condition: CooperationCondition) -> tuple[str, str, str]:
    return (condition.type.value, condition.sending_hei_id, condition.receiving_hei_id)


def _likeness(a: CooperationCondition, b: CooperationCondition) -> int:
    return sum(1 for f, hashed in CONDITION_FIELDS.items() if hashed and _value(a, f) == _value(b, f))


def pair_conditions(ours: list[CooperationCondition], theirs: list[CooperationCondition]) -> list[ConditionPair]:
    free = list(range(len(theirs)))
    pairs: list[ConditionPair] = []
    for i, condition in enumerate(ours):
        candidates = [j for j in free if _flow(theirs[j]) == _flow(condition)]
        ident = str(condition.id) if condition.id else None
        if not candidates:
            pairs.append(ConditionPair(ours=i, theirs=None, cooperation_condition_id=ident))
            continue
        best = max(candidates, key=lambda j: (_likeness(condition, theirs[j]), -j))
        free.remove(best)
        pairs.append(ConditionPair(ours=i, theirs=best, cooperation_condition_id=ident))
    pairs.extend(ConditionPair(ours=None, theirs=j) for j in free)
    return pairs


def _condition_summary(condition: CooperationCondition) -> dict[str, Any]:
    return {
        "type": condition.type.value,
        "sending_hei_id": condition.sending_hei_id,
        "receiving_hei_id": condition.receiving_hei_id,
        "academic_years": f"{condition.receiving_first_academic_year_id}-{condition.receiving_last_academic_year_id}",
        "mobilities_per_year": condition.mobilities_per_year,
    }


def _dumped(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_dumped(v) for v in value]
    return value


def _partner_differences(side: str, ours: IiaPartner, theirs: IiaPartner) -> list[Difference]:
    out = []
    for field, hashed in PARTNER_FIELDS.items():
        a, b = _dumped(getattr(ours, field)), _dumped(getattr(theirs, field))
        if a != b:
            out.append(Difference(field=f"{side}.{field}", ours=a, theirs=b, affects_hash=hashed))
    return out


def compare(ours: IiaContent, theirs: IiaContent) -> Comparison:
    """``ours``: SMILE's copy (our university first); ``theirs``: the partner's (partner first)."""
    differences = _partner_differences("local_partner", ours.partners[0], theirs.partners[1])
    differences += _partner_differences("partner", ours.partners[1], theirs.partners[0])
    if ours.terminated_as_a_whole != theirs.terminated_as_a_whole:
        differences.append(
            Difference(
                field="terminated_as_a_whole",
                ours=ours.terminated_as_a_whole,
                theirs=theirs.terminated_as_a_whole,
                affects_hash=True,
            )
        )
    if ours.in_effect != theirs.in_effect:
        differences.append(
            Difference(field="in_effect", ours=ours.in_effect, theirs=theirs.in_effect, affects_hash=False)
        )
    mine, others = ours.cooperation_conditions, theirs.cooperation_conditions
    pairs = pair_conditions(mine, others)
    for pair in pairs:
        if pair.ours is None or pair.theirs is None:
            label = f"cooperation_conditions[{pair.ours if pair.ours is not None else 'theirs ' + str(pair.theirs)}]"
            differences.append(
                Difference(
                    field=label,
                    ours=_condition_summary(mine[pair.ours]) if pair.ours is not None else None,
                    theirs=_condition_summary(others[pair.theirs]) if pair.theirs is not None else None,
                    affects_hash=True,
                    note="only in one copy: both copies must have the same cooperation conditions",
                )
            )
            continue
        a, b = mine[pair.ours], others[pair.theirs]
        for field, hashed in CONDITION_FIELDS.items():
            va, vb = _value(a, field), _value(b, field)
            if va != vb:
                differences.append(
                    Difference(
                        field=f"cooperation_conditions[{pair.ours}].{field}",
                        ours=va,
                        theirs=vb,
                        affects_hash=hashed,
                        note=_note(va, vb),
                    )
                )
    return Comparison(
        identical=not differences,
        same_terms=not any(d.affects_hash for d in differences),
        differences=differences,
        pairs=pairs,
    )
