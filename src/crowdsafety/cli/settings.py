"""Settings, built by a function from arguments and the environment (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from crowdsafety.domain import CrowdSafetyError, Site
from crowdsafety.domain.privacy import PRIVACY_K
from crowdsafety.service.retention import MIN_RETENTION_DAYS

DEMO_SITES = ("scheveningen", "auckland")


def resolve_site_dir(name_or_path: str) -> Path:
    """A folder path as given, or the packaged demo site of that name."""
    path = Path(name_or_path)
    if not path.exists() and name_or_path in DEMO_SITES:
        return Path(str(resources.files("crowdsafety") / "demo_sites" / name_or_path))
    return path


@dataclass(frozen=True)
class Settings:
    """``privacy_k``: smallest count public outputs show (``$CROWDSAFETY_PRIVACY_K``);
    ``retention_days``: raw observations older than this many days are deleted daily
    (``$CROWDSAFETY_RETENTION_DAYS``; None keeps them all); ``chat_keep_minutes``: a passenger
    conversation's text is forgotten this long after its last message
    (``$CROWDSAFETY_CHAT_KEEP_MINUTES``; it is never stored)."""

    store_url: str
    refresh_s: float = 5.0  # s between picture refreshes of a served site
    privacy_k: int = PRIVACY_K
    retention_days: int | None = None
    chat_keep_minutes: int = 30

    @classmethod
    def build(cls, site: Site, *, store_url: str | None = None) -> "Settings":
        url = store_url or os.environ.get("CROWDSAFETY_STORE")
        if not url:
            Path("data").mkdir(exist_ok=True)
            url = f"duckdb:///{Path('data').resolve() / (site.id + '.duckdb')}"
        refresh = float(os.environ.get("CROWDSAFETY_REFRESH_S", "5"))
        k = _whole("CROWDSAFETY_PRIVACY_K", os.environ.get("CROWDSAFETY_PRIVACY_K"), 1) or PRIVACY_K
        days = _whole("CROWDSAFETY_RETENTION_DAYS", os.environ.get("CROWDSAFETY_RETENTION_DAYS"), MIN_RETENTION_DAYS)
        keep = _whole("CROWDSAFETY_CHAT_KEEP_MINUTES", os.environ.get("CROWDSAFETY_CHAT_KEEP_MINUTES"), 1) or 30
        return cls(store_url=url, refresh_s=refresh, privacy_k=k, retention_days=days, chat_keep_minutes=keep)


def _whole(name: str, text: str | None, least: int) -> int | None:
    """``text`` as a whole number of at least ``least`` (None when unset or empty)."""
    if text is None or not text.strip():
        return None
    try:
        value = int(text)
    except ValueError:
        raise CrowdSafetyError(f"{name}: expected a whole number, got {text!r}") from None
    if value < least:
        raise CrowdSafetyError(f"{name}: must be at least {least}, got {value}")
    return value
