"""API keys: who am I, and (admin) list, create and revoke keys. Secrets are shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from crowdsafety.api.auth import AUTH_RESPONSES, CallerDep, allow
from crowdsafety.api.deps import RuntimeDep
from crowdsafety.api.schemas import BODY_ERRORS, INVALID, Problem
from crowdsafety.domain.access import ApiKey, Role
from crowdsafety.service.keys import KeyRefused, actor, create_key, revoke_key

router = APIRouter(prefix="/api/v1", tags=["keys"], responses=AUTH_RESPONSES)
Admin = Annotated[ApiKey, allow(Role.ADMIN)]
KeyId = Path(description="the key's id (8 hex digits)", pattern="^[0-9a-f]{8}$")


class KeyOut(BaseModel):
    """A key's record (never its secret)."""

    id: str
    name: str
    role: Role
    sensor_ids: list[str]
    party: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(id=key.id, name=key.name, role=key.role, sensor_ids=list(key.sensor_ids), party=key.party,
                   created_at=key.created_at, revoked_at=key.revoked_at)


class NewKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100, description="whom the key is for")
    role: Literal["admin", "operator", "partner", "sensor", "public"]
    sensor_ids: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=1000)
    party: str | None = Field(None, max_length=100, description="a partner key's playbook owner")


class NewKeyOut(KeyOut):
    key: str = Field(description="the whole key; shown this once only")


@router.get("/whoami", operation_id="whoami", response_model=KeyOut)
def whoami(key: CallerDep) -> KeyOut:
    """The calling key's record: its role tells the dashboard what to show."""
    return KeyOut.of(key)


@router.get("/keys", operation_id="list_keys", response_model=list[KeyOut])
def list_keys(runtime: RuntimeDep, _: Admin) -> list[KeyOut]:
    """Every key, revoked ones included."""
    return [KeyOut.of(k) for k in runtime.store.api_keys()]


@router.post("/keys", operation_id="create_key", response_model=NewKeyOut, status_code=201,
             responses=BODY_ERRORS)
async def post_key(body: NewKeyIn, runtime: RuntimeDep, admin: Admin) -> NewKeyOut:
    """A new key; the answer holds the whole key, which is not stored and cannot be shown again."""
    try:
        key, text = await run_in_threadpool(
            lambda: create_key(runtime, name=body.name, role=Role(body.role), actor=actor(admin),
                               actor_role=admin.role.value, sensor_ids=tuple(body.sensor_ids), party=body.party))
    except KeyRefused as exc:
        raise HTTPException(422, str(exc)) from None
    return NewKeyOut(**KeyOut.of(key).model_dump(), key=text)


@router.post("/keys/{key_id}/revoke", operation_id="revoke_key", response_model=KeyOut,
             responses={404: {"model": Problem}, 409: {"model": Problem}, **INVALID})
async def post_revoke(runtime: RuntimeDep, admin: Admin, key_id: str = KeyId) -> KeyOut:
    """Revoke a key from now on."""
    if runtime.store.api_key(key_id) is None:
        raise HTTPException(404, f"no key with id {key_id}")
    try:
        revoked = await run_in_threadpool(
            lambda: revoke_key(runtime, key_id, actor=actor(admin), actor_role=admin.role.value))
    except KeyRefused as exc:
        raise HTTPException(409, str(exc)) from None
    return KeyOut.of(revoked)
