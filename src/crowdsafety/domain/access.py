"""Who may see and do what: roles and API keys (the secret itself is never stored, only its hash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Role(str, Enum):
    """Roles, from most to least trusted.

    ``admin``: keys and configuration; ``operator``: the control room, everything else;
    ``partner``: the picture, forecasts and its own measures, no incidents; ``sensor``: may only
    post observations for its own sensors; ``public``: advice only (no key needed).
    """

    ADMIN = "admin"
    OPERATOR = "operator"
    PARTNER = "partner"
    SENSOR = "sensor"
    PUBLIC = "public"


@dataclass(frozen=True)
class ApiKey:
    """A key's record. ``id``: public part of the key (shown in logs); ``secret_hash``: hash of the
    secret part; ``sensor_ids``: the sensors a ``sensor`` key may post for; ``party``: for a
    ``partner`` key, the playbook owner (e.g. ``"htm"``) whose measures it sees; ``revoked_at``:
    when it stopped working (None: active)."""

    id: str
    name: str
    role: Role
    secret_hash: str
    created_at: datetime
    sensor_ids: tuple[str, ...] = ()
    party: str | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        for label in ("created_at", "revoked_at"):
            moment = getattr(self, label)
            if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
                raise ValueError(f"api key {self.id}: {label} must carry a time zone")
        if not self.id or not self.secret_hash:
            raise ValueError("api key needs an id and a secret hash")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
