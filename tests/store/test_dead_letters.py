"""Dead letters on every store backend: kept as given, newest first, payload cut."""

from datetime import UTC, datetime, timedelta

from crowdsafety.domain.dead_letter import MAX_PAYLOAD_CHARS, DeadLetter

T0 = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def _letter(i: int, payload: str = "{}") -> DeadLetter:
    return DeadLetter(T0 + timedelta(seconds=i), "mqtt", f"crowdsafety/mini/sensors/s{i}", f"reason {i}", payload)


def test_dead_letters_newest_first_with_limit(store):
    store.append_dead_letters([_letter(i) for i in range(5)])
    store.append_dead_letters([])
    got = store.dead_letters(limit=3)
    assert [d.reason for d in got] == ["reason 4", "reason 3", "reason 2"]
    assert got[0] == _letter(4)
    assert got[0].received_at.tzinfo is not None


def test_dead_letter_payload_is_cut_and_text_kept_exactly(store):
    odd = 'ünïcode "quotes" \\ back; DROP TABLE observations; --' + "x" * (2 * MAX_PAYLOAD_CHARS)
    store.append_dead_letters([_letter(0, odd)])
    (got,) = store.dead_letters()
    assert len(got.payload) == MAX_PAYLOAD_CHARS
    assert got.payload == odd[:MAX_PAYLOAD_CHARS]
    assert store.observation_span() is None


def test_dead_letters_survive_reopen(backend):
    if not backend.persistent:
        return
    first = backend.open()
    first.append_dead_letters([_letter(1)])
    first.close()
    second = backend.open()
    try:
        assert second.dead_letters() == [_letter(1)]
    finally:
        second.close()
