"""API schemas of aerial observations: the upload bodies as documented (the parser in
:mod:`crowdsafety.sources.aerial_uploads` checks them), the answer to an upload and stored
observations as GeoJSON. A refused upload is a :class:`~crowdsafety.api.schemas.Problem` with
``errors``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.domain import AerialObservation
from crowdsafety.sources.aerial_uploads import MAX_DESCRIPTION, MAX_OBSERVATIONS, MAX_PEOPLE

CategoryName = Literal["illegal_dumping", "fire_or_smoke", "crowd_estimate", "blocked_route", "other"]


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


class AerialObservationIn(BaseModel):
    """One observation of a JSON upload. ``time``: ISO 8601 with a time zone; ``geometry``: a
    GeoJSON Point or Polygon in WGS84; ``people``: crowd estimates only (and required there, with
    a Polygon); ``description``: free text, scrubbed of personal data."""

    model_config = ConfigDict(extra="forbid")

    category: CategoryName
    time: str = Field(description="ISO 8601 with a time zone, e.g. 2026-08-14T21:05:00+02:00")
    geometry: dict[str, Any] = Field(description="GeoJSON Point or Polygon, [lon, lat] in degrees")
    people: int | None = Field(default=None, ge=0, le=MAX_PEOPLE)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class AerialUploadIn(BaseModel):
    """A JSON upload (``application/json``); a GeoJSON FeatureCollection with the same fields as
    properties is sent as ``application/geo+json``, a CSV file as ``text/csv``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"observations": [
        {"category": "crowd_estimate", "time": "2026-07-05T13:50:00+02:00", "people": 850,
         "geometry": {"type": "Polygon", "coordinates": [[[4.2800, 52.1100], [4.2820, 52.1100], [4.2820, 52.1110],
                                                          [4.2800, 52.1110], [4.2800, 52.1100]]]}},
        {"category": "illegal_dumping", "time": "2026-07-05T13:52:00+02:00", "description": "mattresses",
         "geometry": {"type": "Point", "coordinates": [4.2805, 52.1104]}}]}]})

    observations: list[AerialObservationIn] = Field(min_length=1, max_length=MAX_OBSERVATIONS)


class AcceptOut(_Out):
    """An accepted upload: observations newly stored, those sent before, the incidents filed
    (reference codes) and the zones that got a drone estimate."""

    accepted: int
    duplicates: int
    incidents: list[str]
    zones: list[str]


class AerialProperties(_Out):
    """A stored observation; ``zones``: the zones a crowd estimate fed; ``incident``: the
    incident an offence became."""

    id: str
    flight_id: str
    category: CategoryName
    time: datetime
    received_at: datetime
    people: int | None
    description: str
    incident: str | None
    zones: list[str]


class AerialFeature(_Out):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: AerialProperties

    @classmethod
    def of(cls, o: AerialObservation) -> AerialFeature:
        return cls(id=o.id, geometry=o.geometry, properties=AerialProperties(
            id=o.id, flight_id=o.flight_id, category=o.category.value, time=o.at, received_at=o.received_at,
            people=o.people, description=o.description, incident=o.incident_ref, zones=list(o.zone_ids)))


class AerialCollection(_Out):
    """A flight's observations as a GeoJSON FeatureCollection, by time."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[AerialFeature]
