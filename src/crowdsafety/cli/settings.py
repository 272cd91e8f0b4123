"""Settings, built by a function from arguments and the environment (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from crowdsafety.domain import Site

DEMO_SITES = ("scheveningen", "auckland")


def resolve_site_dir(name_or_path: str) -> Path:
    """A folder path as given, or the packaged demo site of that name."""
    path = Path(name_or_path)
    if not path.exists() and name_or_path in DEMO_SITES:
        return Path(str(resources.files("crowdsafety") / "demo_sites" / name_or_path))
    return path


@dataclass(frozen=True)
class Settings:
    store_url: str
    refresh_s: float = 5.0  # s between picture refreshes of a served site

    @classmethod
    def build(cls, site: Site, *, store_url: str | None = None) -> "Settings":
        url = store_url or os.environ.get("CROWDSAFETY_STORE")
        if not url:
            Path("data").mkdir(exist_ok=True)
            url = f"duckdb:///{Path('data').resolve() / (site.id + '.duckdb')}"
        refresh = float(os.environ.get("CROWDSAFETY_REFRESH_S", "5"))
        return cls(store_url=url, refresh_s=refresh)
