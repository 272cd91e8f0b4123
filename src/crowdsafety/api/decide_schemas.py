"""API schemas of decision support (strict: ``false`` is no number, ``1`` is no text).

Shapes the dashboard relies on; an alert's JSON here is the ``alert`` of a notification too
(:func:`crowdsafety.decide.alert_dict`). Times are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.decide import GroupAdvice, Verification, alert_dict
from crowdsafety.decide.actions import MAX_NAME, MAX_REASON
from crowdsafety.domain.decision import DecisionEntry
from crowdsafety.service.deciding import AlertView

LevelName = Literal["green", "yellow", "orange", "red"]


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


class MeasureOut(_Out):
    """A measure of an alert: start it at ``due_at``; ``state`` pending, started or done."""

    id: str
    level: LevelName
    title: str
    owner: str = Field(description="owner key of the playbook")
    owner_name: str
    lead_time_min: int = Field(description="notice the owner needs, minutes")
    due_at: datetime = Field(description="when to start it: target time − lead time (expected), or when raised")
    due_now: bool
    state: Literal["pending", "started", "done"]
    by: str | None = Field(description="who moved it last")
    at: datetime | None = Field(description="when it was moved last")
    public_nl: str | None
    public_en: str | None


class AlertOut(_Out):
    """An alert episode; ``active``: the condition still holds; ``status``: where people are."""

    id: str
    site_id: str
    kind: Literal["observed", "expected", "sensor"]
    subject: str = Field(description="zone id, or sensor id for sensor alerts")
    zone_ids: list[str]
    level: LevelName
    peak_level: LevelName
    risk_level: LevelName = Field(description="level raised by aggravating factors (see reasons)")
    raised_at: datetime
    updated_at: datetime
    target_at: datetime | None = Field(description="expected alerts: first interval the level is expected")
    probability: float | None = Field(description="expected alerts: chance (0-1) of the level or worse")
    reasons: list[str]
    status: Literal["open", "acknowledged", "closed"]
    active: bool
    cleared_at: datetime | None
    assignee: str | None
    measures: list[MeasureOut]
    measures_due_now: list[str] = Field(description="ids of the measures due now and not done")

    @classmethod
    def of(cls, view: AlertView) -> AlertOut:
        return cls.model_validate(alert_dict(view.alert, view.measures))


class ActionIn(BaseModel):
    """A person's action on an alert, recorded in the decision log with who, role and why."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"action": "acknowledge", "who": "J. de Vries", "role": "crowd-management coordinator",
         "reason": "seen on the picture, hosts informed"},
        {"action": "measure-started", "who": "HTM verkeersleiding", "role": "transit operator",
         "reason": "two extra trams line 9 from 14:00", "measure_id": "o-extra-trams"}]})

    action: Literal["acknowledge", "assign", "close", "measure-started", "measure-done"]
    who: str = Field(min_length=1, max_length=MAX_NAME)
    role: str = Field(min_length=1, max_length=MAX_NAME)
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    measure_id: str | None = Field(None, max_length=MAX_NAME, description="for measure-started / measure-done")
    assignee: str | None = Field(None, min_length=1, max_length=MAX_NAME, description="for assign")


class DecisionOut(_Out):
    """One entry of the append-only decision log; ``hash`` = sha256(prev_hash + canonical JSON)."""

    seq: int
    at: datetime
    site_id: str
    who: str
    role: str
    action: str
    reason: str
    alert_id: str | None
    measure_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: DecisionEntry) -> DecisionOut:
        return cls(seq=e.seq, at=e.at, site_id=e.site_id, who=e.who, role=e.role, action=e.action, reason=e.reason,
                   alert_id=e.alert_id, measure_id=e.measure_id, details=e.details, prev_hash=e.prev_hash, hash=e.hash)


class VerificationOut(_Out):
    """Whether the log's hash chain is intact; for a broken one, the first bad entry and why."""

    intact: bool
    entries: int = Field(description="entries checked and found good")
    head: str = Field(description="hash of the last good entry; keep it elsewhere to detect a rewritten log")
    first_bad: int | None
    problem: str | None

    @classmethod
    def of(cls, v: Verification) -> VerificationOut:
        return cls(intact=v.intact, entries=v.entries, head=v.head, first_bad=v.first_bad, problem=v.problem)


class GroupAdviceOut(_Out):
    """The public advice for one zone group: a colour and a message, never a count."""

    group: str
    name_nl: str
    name_en: str
    colour: Literal["green", "yellow", "orange", "red", "unknown"]
    message_nl: str | None
    message_en: str | None
    alternative: str | None = Field(description="group id of the quiet alternative suggested")
    notices_nl: list[str] = Field(description="public messages of the measures in force")
    notices_en: list[str]

    @classmethod
    def of(cls, a: GroupAdvice) -> GroupAdviceOut:
        return cls(group=a.group, name_nl=a.name_nl, name_en=a.name_en, colour=a.level.value if a.level else "unknown",
                   message_nl=a.message_nl, message_en=a.message_en, alternative=a.alternative,
                   notices_nl=list(a.notices_nl), notices_en=list(a.notices_en))


class AdviceOut(_Out):
    site: str
    at: datetime = Field(description="the service clock")
    groups: list[GroupAdviceOut]
