"""Validate a batch and append what is valid; the store keeps duplicates out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from crowdsafety.domain import Site
from crowdsafety.ingest.validate import Rejection, validate_rows
from crowdsafety.store import Store


@dataclass(frozen=True)
class IngestReport:
    """Outcome of one batch: valid rows stored as new, ignored as duplicates, stored as corrections;
    ``earliest``: the earliest interval start among the valid rows (UTC), None when none was valid."""

    received: int
    inserted: int
    duplicates: int
    corrections: int
    rejected: list[Rejection]
    earliest: datetime | None = None

    @property
    def accepted(self) -> int:
        return self.received - len(self.rejected)


def ingest_rows(site: Site, store: Store, rows: Iterable[Any], *, now: datetime | None = None) -> IngestReport:
    """Validate ``rows`` against ``site`` and append the valid ones to ``store``."""
    rows = list(rows)
    batch = validate_rows(site, rows, now=now)
    earliest = None
    if len(batch.frame):
        result = store.append_observations(batch.frame)
        inserted, duplicates, corrections = result.inserted, result.duplicates, result.corrections
        earliest = batch.frame["start"].min().to_pydatetime()
    else:
        inserted = duplicates = corrections = 0
    return IngestReport(len(rows), inserted, duplicates, corrections, batch.rejected, earliest)
