"""API schemas of incidents (strict: ``false`` is no number, ``1`` is no text; unknown fields
are refused). Times are ISO 8601 with a time zone; points are ``[lon, lat]`` in WGS84 degrees."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.api.schemas import IsoTime
from crowdsafety.decide.actions import MAX_NAME, MAX_REASON
from crowdsafety.domain.incident import Incident, IncidentUpdate
from crowdsafety.service.incidents import PublicStatus

CategoryName = Literal["harassment", "aggression", "theft", "overcrowding", "medical", "vandalism", "environmental",
                       "other"]
UrgencyName = Literal["low", "normal", "high", "emergency"]
StatusName = Literal["new", "assigned", "resolved"]
MAX_PLACE = 100


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class PlaceIn(_In):
    """Where: a ``point`` [lon, lat] and/or a transit ``line``, ``direction``, ``stop_id`` (GTFS
    stop of the site) and ``vehicle`` (fleet number). At least a point, a stop or a line."""

    point: list[float] | None = Field(None, min_length=2, max_length=2, description="[lon, lat], WGS84 degrees")
    line: str | None = Field(None, min_length=1, max_length=MAX_PLACE)
    direction: str | None = Field(None, min_length=1, max_length=MAX_PLACE)
    stop_id: str | None = Field(None, min_length=1, max_length=MAX_PLACE)
    vehicle: str | None = Field(None, min_length=1, max_length=MAX_PLACE)


class IncidentIn(_In):
    """A report by the control room, the police or a drone team. ``description`` is scrubbed of
    personal data (phone numbers, e-mail addresses, names, plates) before it is stored."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"category": "harassment", "urgency": "high", "source": "police",
         "place": {"line": "11", "stop_id": "HTM:S:kurhaus"}, "description": "group intimidating passengers"}]})

    category: CategoryName
    urgency: UrgencyName = "normal"
    source: Literal["operator", "police", "drone"] = "operator"
    place: PlaceIn
    description: str = Field("", max_length=MAX_REASON)
    at: IsoTime | None = Field(None, strict=False, description="when it happened (ISO 8601 with a time "
                                                                         "zone); default now")


class IncidentActionIn(_In):
    """Assign (``note``: to whom), answer the reporter (``note``: the answer, shown with the
    reference code) or resolve (``note``: how); recorded in the decision log."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"action": "assign", "who": "J. de Vries", "role": "control room", "note": "tram team 3"},
        {"action": "answer", "who": "J. de Vries", "role": "control room", "note": "A team is on its way."}]})

    action: Literal["assign", "answer", "resolve"]
    who: str = Field(min_length=1, max_length=MAX_NAME)
    role: str = Field(min_length=1, max_length=MAX_NAME)
    note: str = Field(min_length=1, max_length=MAX_REASON)


class IncidentOut(_Out):
    """An incident; ``zone_ids``: the site's zones it is in or within 150 m of."""

    ref: str
    site_id: str
    source: str
    category: CategoryName
    urgency: UrgencyName
    status: StatusName
    at: datetime
    reported_at: datetime
    point: list[float] | None = Field(description="[lon, lat]")
    line: str | None
    direction: str | None
    stop_id: str | None
    vehicle: str | None
    zone_ids: list[str]
    description: str

    @classmethod
    def of(cls, i: Incident) -> IncidentOut:
        return cls(ref=i.ref, site_id=i.site_id, source=i.source.value, category=i.category.value,
                   urgency=i.urgency.value, status=i.status.value, at=i.at, reported_at=i.reported_at,
                   point=None if i.point is None else list(i.point), line=i.line, direction=i.direction,
                   stop_id=i.stop_id, vehicle=i.vehicle, zone_ids=list(i.zone_ids), description=i.description)


class IncidentStepOut(_Out):
    """One step of the history; ``answer``: the note is the answer shown to the reporter."""

    seq: int
    at: datetime
    status: StatusName
    who: str
    role: str
    note: str
    answer: bool

    @classmethod
    def of(cls, u: IncidentUpdate) -> IncidentStepOut:
        return cls(seq=u.seq, at=u.at, status=u.status.value, who=u.who, role=u.role, note=u.note, answer=u.answer)


class IncidentDetailOut(IncidentOut):
    """An incident with its append-only history."""

    history: list[IncidentStepOut]


class PublicIncidentOut(_Out):
    """What the reporter sees with the reference code: the status and the latest answer."""

    ref: str
    status: StatusName
    answer: str | None
    answered_at: datetime | None

    @classmethod
    def of(cls, p: PublicStatus) -> PublicIncidentOut:
        return cls(ref=p.ref, status=p.status.value, answer=p.answer, answered_at=p.answered_at)
