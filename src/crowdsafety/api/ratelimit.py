"""Per-key rate limits on ingest: a token bucket of observation rows per key.

Each key may send ``rows_per_s`` rows a second on average and ``burst`` rows at once; a batch
that does not fit waits for no one: it is refused with HTTP 429 and ``Retry-After``. Buckets live
in the process (several API workers each allow the rate).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

#: Default sustained rate per key (rows/s) and burst (rows): a camera sends a few rows a minute,
#: a gateway for a few hundred sensors some hundreds a second.
ROWS_PER_S = 50_000.0
BURST_ROWS = 100_000.0


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RowLimiter:
    """Token buckets by key id; ``take`` answers 0 when allowed, else the seconds to wait."""

    rows_per_s: float = ROWS_PER_S
    burst: float = BURST_ROWS
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key_id: str, rows: int, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        cost = max(1, rows)
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rows_per_s)
            bucket.at = now
            if cost > self.burst:
                return math.inf
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0.0
            return (cost - bucket.tokens) / self.rows_per_s
