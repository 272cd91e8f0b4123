"""Many MQTT messages -> one ingest call and one dead-letter write (no network here).

:func:`write_batch` stores the valid rows of all messages with one call of ``ingest``, then
keeps every unusable message and rejected row as a :class:`DeadLetter`. Only when it returns
may the caller acknowledge the messages: a failure (raised) leaves them unacknowledged, so the
broker delivers them again. Writing a batch twice is harmless: the store ignores exact
duplicates.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Protocol, Sequence

from crowdsafety.domain import StoreError
from crowdsafety.domain.dead_letter import DeadLetter
from crowdsafety.ingest.mqtt_payload import ParsedMessage, RowProblem

log = logging.getLogger(__name__)

SOURCE = "mqtt"


class IngestResult(Protocol):
    """What the ingest callable returns (as :class:`crowdsafety.ingest.IngestReport`)."""

    @property
    def inserted(self) -> int: ...
    @property
    def duplicates(self) -> int: ...
    @property
    def corrections(self) -> int: ...
    @property
    def rejected(self) -> Sequence[Any]: ...  # items with .index, .field, .reason


Ingest = Callable[[list[Any]], IngestResult]
DeadLetterSink = Callable[[Sequence[DeadLetter]], None]


@dataclass(frozen=True)
class Received:
    """A message as received and parsed: its broker packet id and QoS (for the ack), the
    connection it came on, when it arrived (UTC, and ``arrived_s`` on the monotonic clock)."""

    topic: str
    mid: int
    qos: int
    connection: int
    received_at: datetime
    arrived_s: float
    parsed: ParsedMessage

    @property
    def weight(self) -> int:
        """Rows and problems it carries: what a batch's size counts."""
        return len(self.parsed.rows) + len(self.parsed.problems)


@dataclass(frozen=True)
class BatchOutcome:
    """Rows stored new, exact duplicates ignored, corrections stored, dead letters written."""

    messages: int
    inserted: int
    duplicates: int
    corrections: int
    dead_letters: int


def write_batch(messages: Sequence[Received], ingest: Ingest, dead_letters: DeadLetterSink) -> BatchOutcome:
    """Store the rows of ``messages``, then their dead letters; raises when either fails."""
    rows: list[Any] = []
    owners: list[tuple[Received, int | None]] = []
    letters: list[DeadLetter] = []
    for message in messages:
        letters += [_letter(message, problem) for problem in message.parsed.problems]
        rows += message.parsed.rows
        owners += [(message, index) for index in message.parsed.indices]
    inserted = duplicates = corrections = 0
    if rows:
        report = _ingest(ingest, rows, owners, letters)
        inserted, duplicates, corrections = report.inserted, report.duplicates, report.corrections
    if letters:
        dead_letters(letters)
        log.warning("MQTT: %d message(s) or row(s) dead-lettered, e.g. %s: %s",
                    len(letters), letters[0].where, letters[0].reason)
    return BatchOutcome(len(messages), inserted, duplicates, corrections, len(letters))


def _ingest(ingest: Ingest, rows: list[Any], owners: list[tuple[Received, int | None]],
            letters: list[DeadLetter]) -> IngestResult:
    """One ingest call; its rejected rows are added to ``letters``. A failure that is not the
    store's (a row the validator did not foresee) is isolated message by message."""
    try:
        report = ingest(rows)
    except StoreError:
        raise
    except Exception:  # noqa: BLE001 - one bad message must not stop the consumer
        log.exception("MQTT: ingest failed for a batch of %d rows; retrying message by message", len(rows))
        return _ingest_per_message(ingest, rows, owners, letters)
    _reject(report, rows, owners, letters)
    return report


def _ingest_per_message(ingest: Ingest, rows: list[Any], owners: list[tuple[Received, int | None]],
                        letters: list[DeadLetter]) -> IngestResult:
    total = _Totals()
    by_message: dict[int, list[int]] = {}
    for position, (message, _) in enumerate(owners):
        by_message.setdefault(id(message), []).append(position)
    for positions in by_message.values():
        part, part_owners = [rows[p] for p in positions], [owners[p] for p in positions]
        try:
            report = ingest(part)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001
            letters.append(_letter(part_owners[0][0], RowProblem(
                f"could not be ingested: {type(exc).__name__}: {exc}", _dump(part))))
            continue
        _reject(report, part, part_owners, letters)
        total.add(report)
    return total


def _reject(report: IngestResult, rows: list[Any], owners: list[tuple[Received, int | None]],
            letters: list[DeadLetter]) -> None:
    for rejection in report.rejected:
        message, index = owners[rejection.index]
        field = f"{rejection.field}: " if rejection.field else ""
        letters.append(_letter(message, RowProblem(f"{field}{rejection.reason}", _dump(rows[rejection.index]), index)))


class _Totals:
    """Sum of several ingest results (their rejections already turned into dead letters)."""

    def __init__(self) -> None:
        self.inserted = self.duplicates = self.corrections = 0
        self.rejected: list[Any] = []

    def add(self, report: IngestResult) -> None:
        self.inserted += report.inserted
        self.duplicates += report.duplicates
        self.corrections += report.corrections


def _letter(message: Received, problem: RowProblem) -> DeadLetter:
    reason = problem.reason if problem.index is None else f"row {problem.index}: {problem.reason}"
    return DeadLetter(message.received_at, SOURCE, message.topic, reason, problem.payload)


def _dump(row: Any) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)

