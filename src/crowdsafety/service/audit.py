"""Writing to the append-only, hash-chained log: decisions and the audit trail of every write.

One process may write from several threads (refresh loop, HTTP requests, MQTT consumer) and
several processes may share one PostgreSQL store. Within a process ``Runtime.log_lock`` orders
the writers; between processes the store refuses an entry that does not extend its head, and
:func:`append` then seals the draft again onto the new head.
"""

from __future__ import annotations

from typing import Any

from crowdsafety.decide.log import DecisionDraft, seal
from crowdsafety.domain import StoreError
from crowdsafety.domain.decision import AlertRecord, DecisionEntry
from crowdsafety.service.runtime import Runtime

#: How often an append is retried when another process extended the log first.
MAX_ATTEMPTS = 8


def append(runtime: Runtime, draft: DecisionDraft, alert: AlertRecord | None = None) -> DecisionEntry:
    """Seal ``draft`` onto the log's head and store it (with ``alert`` in the same transaction)."""
    store = runtime.store
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with runtime.log_lock:
            head = store.decision_head()
            entry = seal(draft, head)
            try:
                if alert is not None:
                    store.put_alert(alert, entry)
                else:
                    store.append_decision(entry)
                return entry
            except StoreError:
                if attempt == MAX_ATTEMPTS or store.decision_head() == head:
                    raise  # not a lost race: the log did not move
    raise AssertionError("unreachable")


def record(runtime: Runtime, *, who: str, role: str, action: str, reason: str,
           details: dict[str, Any] | None = None) -> DecisionEntry:
    """Audit one write by ``who`` (a key id and label, a CLI user or ``"system"``) in ``role``."""
    draft = DecisionDraft(at=runtime.clock.now(), site_id=runtime.site.id, who=who, role=role,
                          action=action, reason=reason, details=details or {})
    return append(runtime, draft)
