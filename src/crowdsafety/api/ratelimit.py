"""Rate limits: token buckets of observation rows per key (ingest), of requests per client
address (the routes that need no key, see :class:`ClientLimiter`).

Each key may send ``rows_per_s`` rows a second on average and ``burst`` rows at once; a batch
that does not fit waits for no one: it is refused with HTTP 429 and ``Retry-After``. Buckets live
in the process (several API workers each allow the rate).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass, field

#: Default sustained rate per key (rows/s) and burst (rows): a camera sends a few rows a minute,
#: a gateway for a few hundred sensors some hundreds a second.
ROWS_PER_S = 50_000.0
BURST_ROWS = 100_000.0


@dataclass
class _Bucket:
    """``tokens`` left at monotonic time ``at`` (s)."""

    tokens: float
    at: float

    def refill(self, now: float, rate_per_s: float, burst: float) -> None:
        self.tokens = min(burst, self.tokens + max(0.0, now - self.at) * rate_per_s)
        self.at = now

    def take(self, cost: float, now: float, rate_per_s: float, burst: float) -> float:
        """Refill to ``now``, then take ``cost`` tokens: 0 when they fit, else the seconds to
        wait (``inf``: more than a full bucket)."""
        self.refill(now, rate_per_s, burst)
        if cost > burst:
            return math.inf
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / rate_per_s


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
            return bucket.take(cost, now, self.rows_per_s, self.burst)


#: Clients a :class:`ClientLimiter` keeps at most (about 150 bytes each).
MAX_CLIENTS = 100_000
#: How often (s) a :class:`ClientLimiter` forgets the clients whose buckets are full again.
PRUNE_EVERY_S = 60.0


class ClientLimiter:
    """Token buckets per client for the routes that need no key (chatbot, incident status).

    A client is its address as the server sees it (behind a reverse proxy on loopback, uvicorn
    takes it from ``X-Forwarded-For``). The address itself is never kept: a bucket is filed
    under an HMAC-SHA256 of it with a random secret made with the limiter and held only in
    memory, so a bucket cannot be turned back into an address by trying all IPv4 addresses, nor
    linked to the same client after a restart. A bucket that has filled up again is forgotten
    (within :data:`PRUNE_EVERY_S`), so the limiter holds only the clients of the last
    ``burst / rate_per_s`` seconds, at most ``max_clients`` of them: when that many are
    limited at once, a new client waits too (the limit fails closed). Nothing is stored or logged.
    A keyed hash rather than the address for the window: a memory dump or a debugger shows no
    addresses, at the cost of one HMAC a request (about 2 µs).

    ``take`` answers 0 when the cost fits, else the seconds to wait; ``refund`` gives tokens back
    (a look-up charged as a miss that turned out a hit). Buckets live in the process (several
    workers each allow the rate)."""

    def __init__(self, rate_per_s: float, burst: float, *, max_clients: int = MAX_CLIENTS):
        if rate_per_s <= 0 or burst <= 0 or max_clients < 1:
            raise ValueError("rate_per_s and burst must be positive, max_clients at least 1")
        self.rate_per_s, self.burst, self.max_clients = rate_per_s, burst, max_clients
        self._secret = secrets.token_bytes(32)
        self._buckets: dict[str, _Bucket] = {}
        self._pruned_at = -math.inf
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, address: str, cost: float, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        name = self._name(address)
        with self._lock:
            if now - self._pruned_at >= PRUNE_EVERY_S or len(self._buckets) >= self.max_clients:
                self._prune(now)
            bucket = self._buckets.get(name)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    return cost / self.rate_per_s
                bucket = self._buckets[name] = _Bucket(self.burst, now)
            return bucket.take(cost, now, self.rate_per_s, self.burst)

    def refund(self, address: str, tokens: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(self._name(address))
            if bucket is not None:
                bucket.refill(now, self.rate_per_s, self.burst)
                bucket.tokens = min(self.burst, bucket.tokens + tokens)

    def _name(self, address: str) -> str:
        return hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    def _prune(self, now: float) -> None:
        """Forget the clients whose buckets are full again (they would start full anyway)."""
        full = [name for name, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate_per_s >= self.burst]
        for name in full:
            del self._buckets[name]
        self._pruned_at = now
