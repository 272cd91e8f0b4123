"""The flight register: register, start, end and list drone flights (operators and admins)."""

from __future__ import annotations

from fastapi import APIRouter

from crowdsafety.api.auth import AUTH_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["flights"], responses=AUTH_RESPONSES)
