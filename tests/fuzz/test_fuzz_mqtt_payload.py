"""Fuzz the MQTT payload parser and what follows it, without a broker.

Each malformed message (bytes that are no JSON, JSON that is no observation, ``NaN``, nesting
too deep, too many rows, rows wrong in a known field, a topic naming no sensor or another one)
goes through :func:`parse_message` and :func:`validate_rows`: neither raises, every message
yields at least one problem or rejection with a reason (and the row's index, the field), and no
row comes out valid. Each batch then goes through :func:`write_batch` into an in-memory store:
nothing is stored, every problem becomes a dead letter, none says "could not be ingested" (an
exception the validator did not foresee).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.ingest.mqtt_batch import Received, write_batch
from crowdsafety.ingest.mqtt_payload import MAX_PAYLOAD_BYTES, MAX_ROWS, ParsedMessage, parse_message
from crowdsafety.ingest.validate import validate_rows
from crowdsafety.service import ReplayClock, Runtime
from crowdsafety.store import open_store

from .malformed import INPUTS, MINI_IDS, NOW, broken_rows, dump, fuzz_settings, scalars, valid_rows

TOPIC = "crowdsafety/mini/sensors/"
#: Batches of 25-40 messages: enough for INPUTS messages.
BATCHES = 345


@st.composite
def broken_row_messages(draw: st.DrawFn) -> tuple[str, bytes, list[set[str | None]] | None]:
    """One broken row (an object) or an array of them, on its sensor's topic, with the fields
    each row's rejection may name."""
    rows = [draw(broken_rows()) for _ in range(draw(st.sampled_from([1, 1, 1, 1, 2, 3])))]
    for row, fields in rows:  # without a sensor_id the topic's is taken: the row must be wrong elsewhere too
        if fields == {"sensor_id"} and isinstance(row, dict) and "sensor_id" not in row:
            row["sensor_id"] = "nope"
    first = rows[0][0]
    sensor = first.get("sensor_id") if isinstance(first, dict) else None
    sensor = sensor if isinstance(sensor, str) and sensor in MINI_IDS else draw(st.sampled_from(sorted(MINI_IDS)))
    # a row naming another sensor than the topic's is refused; one naming none takes the topic's,
    # whose kind may not take the row's metric
    fields = [f | {"sensor_id"} | ({"metric"} if isinstance(r, dict) and "sensor_id" not in r else set())
              for r, f in rows]
    if len(rows) == 1 and isinstance(first, dict) and draw(st.booleans()):
        return TOPIC + sensor, dump(first), fields
    return TOPIC + sensor, dump([r for r, _ in rows]), fields


def _cut(rows_and_share: tuple[list[dict], float]) -> bytes:
    text = dump(rows_and_share[0])
    return text[: int(len(text) * rows_and_share[1])]


#: Messages wrong as a whole (topic, payload); the rows' fields are not checked for them.
WHOLE = st.one_of(
    st.tuples(st.just(TOPIC + "cam-beach"), st.binary(max_size=120).filter(lambda b: not b.strip().startswith((b"{", b"[")))),
    st.tuples(st.just(TOPIC + "cam-beach"), scalars.filter(lambda v: not isinstance(v, (dict, list))).map(dump)),
    st.tuples(st.just(TOPIC + "cam-beach"), st.sampled_from([b"[]", b"", b" ", b"\xef\xbb\xbf", b"null"])),
    st.tuples(st.just(TOPIC + "garage"), st.tuples(st.lists(valid_rows, min_size=1, max_size=2), st.floats(0, 0.999)).map(_cut)),
    st.tuples(st.just(TOPIC + "cam-beach"), st.sampled_from(["NaN", "Infinity", "-Infinity"]).map(
        lambda c: b'{"start": "2026-07-05T11:00:00Z", "metric": "count", "value": ' + c.encode() + b"}")),
    st.tuples(st.just(TOPIC + "cam-beach"), st.integers(2, 60).map(lambda n: b"[" * n + b"]" * n)),
    st.tuples(st.sampled_from(["", "/", TOPIC, TOPIC + "+", TOPIC + "#", "crowdsafety/mini/sensors/nope"]),
              st.lists(valid_rows, min_size=1, max_size=2).map(lambda rows: dump(
                  [{k: v for k, v in r.items() if k != "sensor_id"} for r in rows]))),
)


#: Large messages, one in a hundred (the dead letter of each is 4 KiB of text to scrub).
LARGE = st.sampled_from([b"[" * 100_000 + b"]" * 100_000, b"[" * 1000 + b"]" * 1000, b"{" * 5000,
                         b"[" + b"{}," * MAX_ROWS + b"{}]", b"[" + b"1," * MAX_ROWS + b"1]"])


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, bytes, list[set[str | None]] | None]:
    """Half broken rows (fuzzed hard through HTTP already), half messages wrong as a whole."""
    share = draw(st.integers(0, 99))
    if share < 50:
        return draw(broken_row_messages())
    topic, payload = draw(WHOLE) if share < 99 else (TOPIC + "cam-beach", draw(LARGE))
    return topic, payload, None


@pytest.fixture(scope="module")
def runtime(mini_site):
    rt = Runtime(mini_site, open_store("duckdb://:memory:"), ReplayClock(NOW))
    report = rt.ingest([{"sensor_id": "cam-beach", "start": "2026-07-05T11:00:00Z", "metric": "count", "value": 40}])
    assert report.inserted == 1
    yield rt
    rt.store.close()


def _check(batch: list[tuple[str, bytes, list[set[str | None]] | None]], site) -> list[ParsedMessage]:
    """Parse every message, validate all their rows in one call (as the consumer does) and check
    each message got its problems or rejections; returns the parsed messages."""
    parsed = [parse_message(topic, payload) for topic, payload, _ in batch]
    rows, owners = [], []
    for m, message in enumerate(parsed):
        for problem in message.problems:
            assert problem.reason.strip() and isinstance(problem.payload, str), problem
        rows += message.rows
        owners += [(m, index) for index in message.indices]
    checked = validate_rows(site, rows, now=NOW)
    assert len(checked.frame) == 0, checked.frame
    named: list[set[int | None]] = [{p.index for p in message.problems} for message in parsed]
    for rejection in checked.rejected:
        assert rejection.reason.strip(), rejection
        m, index = owners[rejection.index]
        fields = batch[m][2]
        if fields is not None:
            assert rejection.field in fields[index or 0], (batch[m][1][:300], rejection)
        named[m].add(index)
    for (topic, payload, fields), seen in zip(batch, named):
        assert seen, (topic, payload[:200])  # at least one problem or rejection
        if fields is not None:  # every row accounted for, by a problem before validation or a rejection
            assert seen == (set(range(len(fields))) if payload.lstrip().startswith(b"[") else {None}), (payload, seen)
    return parsed


def test_malformed_messages_are_refused_and_dead_lettered(runtime, caplog):
    caplog.set_level(logging.ERROR, logger="crowdsafety.ingest.mqtt_batch")  # a warning per batch
    store = runtime.store
    stored = len(store.observations(start=datetime(1970, 1, 1, tzinfo=timezone.utc),
                                    end=datetime(2200, 1, 1, tzinfo=timezone.utc), latest_only=False))
    fed = letters = 0

    @fuzz_settings(BATCHES)
    @given(st.lists(messages(), min_size=25, max_size=40))
    def feed(batch: list[tuple[str, bytes, list[set[str | None]] | None]]) -> None:
        nonlocal fed, letters
        parsed = _check(batch, runtime.site)
        received = [Received(topic, i, 1, 0, NOW, time.monotonic(), message)
                    for i, ((topic, _, _), message) in enumerate(zip(batch, parsed))]
        written: list = []
        outcome = write_batch(received, runtime.ingest, lambda found: (written.extend(found),
                                                                       store.append_dead_letters(found)))
        assert outcome.inserted == outcome.duplicates == outcome.corrections == 0, outcome
        assert outcome.dead_letters == len(written) >= len(batch)
        assert not [d for d in written if "could not be ingested" in d.reason], written
        fed += len(batch)
        letters += len(written)

    feed()
    oversized = parse_message(TOPIC + "cam-beach", b" " * (MAX_PAYLOAD_BYTES + 1))
    assert "at most" in oversized.problems[0].reason and not oversized.rows
    print(f"\nMQTT: {fed + 1} malformed messages, {letters} dead letters, nothing stored")
    after = store.observations(start=datetime(1970, 1, 1, tzinfo=timezone.utc),
                               end=datetime(2200, 1, 1, tzinfo=timezone.utc), latest_only=False)
    assert len(after) == stored
    assert len(store.dead_letters(limit=10 * INPUTS)) == letters
    assert fed >= INPUTS
