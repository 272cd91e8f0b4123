"""Aerial observations: uploads of what a flight saw (JSON, GeoJSON, CSV) and reading them back."""

from __future__ import annotations

from fastapi import APIRouter

from crowdsafety.api.auth import AUTH_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["aerial"], responses=AUTH_RESPONSES)
