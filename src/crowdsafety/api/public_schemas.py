"""API schemas of the public open-data view: levels and suppressed counts, never raw counts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.service.public_view import PublicZone


class PublicZoneOut(BaseModel):
    """One zone: its colour level and the people present, suppressed below k and rounded."""

    model_config = ConfigDict(strict=True)

    id: str
    name: str
    group: str | None
    level: Literal["green", "yellow", "orange", "red", "unknown"]
    people: int | None = Field(description="persons present, rounded (to 10 below 1,000, 50 below 10,000, "
                                           "100 above); null below k or without data")

    @classmethod
    def of(cls, z: PublicZone) -> PublicZoneOut:
        return cls(id=z.zone_id, name=z.name, group=z.group, level=z.level.value if z.level else "unknown",
                   people=z.people)


class PublicZonesOut(BaseModel):
    model_config = ConfigDict(strict=True)

    site: str
    at: datetime = Field(description="the service clock")
    k: int = Field(description="smallest count published; fewer people show as null")
    zones: list[PublicZoneOut]
