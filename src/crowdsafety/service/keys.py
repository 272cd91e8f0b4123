"""API keys: made, checked and revoked here; the store keeps only a hash of each secret.

A key reads ``csm_<id>_<secret>``: ``id`` (8 hex digits) names the key in logs and in the store,
``secret`` (32 random bytes, URL-safe base64) is shown once, at creation. The secret is random,
so a SHA-256 of it is a sound stored form (no password stretching needed); checks compare in
constant time. Every creation and revocation is audited with its actor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace

from crowdsafety.domain import CrowdSafetyError
from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.service import audit
from crowdsafety.service.runtime import Runtime

PREFIX = "csm"


class KeyRefused(CrowdSafetyError):
    """A key cannot be made or revoked as asked."""


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a key's secret part."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(runtime: Runtime, *, name: str, role: Role, actor: str, actor_role: str,
               sensor_ids: tuple[str, ...] = (), party: str | None = None) -> tuple[ApiKey, str]:
    """A new key; returns its record and the full key text (the only time the secret is seen)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise KeyRefused("a key needs a name of 1 to 100 characters saying whom it is for")
    if role is Role.PUBLIC:
        raise KeyRefused("the public needs no key: public pages and /api/v1/public/* are open")
    if role is Role.SENSOR:
        if not sensor_ids:
            raise KeyRefused("a sensor key needs the sensor ids it may post for")
        unknown = [s for s in sensor_ids if not runtime.site.has_sensor(s)]
        if unknown:
            raise KeyRefused(f"sensor key: unknown sensor ids {', '.join(unknown)} on site {runtime.site.id}")
    elif sensor_ids:
        raise KeyRefused(f"only sensor keys carry sensor ids, not a {role.value} key")
    if party is not None and role is not Role.PARTNER:
        raise KeyRefused(f"only partner keys belong to a party, not a {role.value} key")
    key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    key = ApiKey(id=key_id, name=name, role=role, secret_hash=hash_secret(secret),
                 created_at=runtime.clock.now(), sensor_ids=tuple(sensor_ids), party=party)
    runtime.store.put_api_key(key)
    audit.record(runtime, who=actor, role=actor_role, action="key.created",
                 reason=f"{role.value} key {key_id} for {name}",
                 details={"key_id": key_id, "role": role.value, "sensor_ids": list(sensor_ids), "party": party})
    return key, f"{PREFIX}_{key_id}_{secret}"


def revoke_key(runtime: Runtime, key_id: str, *, actor: str, actor_role: str) -> ApiKey:
    """Revoke a key from now on; revoking twice is refused."""
    key = runtime.store.api_key(key_id)
    if key is None:
        raise KeyRefused(f"no key with id {key_id!r}")
    if not key.active:
        raise KeyRefused(f"key {key_id} was already revoked at {key.revoked_at.isoformat()}")
    revoked = replace(key, revoked_at=runtime.clock.now())
    runtime.store.put_api_key(revoked)
    audit.record(runtime, who=actor, role=actor_role, action="key.revoked",
                 reason=f"{key.role.value} key {key_id} of {key.name} revoked", details={"key_id": key_id})
    return revoked


def authenticate(runtime: Runtime, text: str) -> ApiKey | None:
    """The active key that ``text`` is, or None (malformed, unknown, wrong secret or revoked)."""
    parts = text.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 8 or not parts[2]:
        return None
    key = runtime.store.api_key(parts[1])
    if key is None or not key.active:
        return None
    return key if hmac.compare_digest(key.secret_hash, hash_secret(parts[2])) else None


def actor(key: ApiKey) -> str:
    """How a key's writes are signed in the log: ``key <id> (<name>)``."""
    return f"key {key.id} ({key.name})"
