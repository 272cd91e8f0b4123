"""Dead letters: whatever a publisher sent is cut and scrubbed of personal data before it is kept."""

from __future__ import annotations

from datetime import UTC, datetime

from crowdsafety.domain.dead_letter import MAX_PAYLOAD_CHARS, DeadLetter

T0 = datetime(2026, 8, 14, 20, 0, tzinfo=UTC)


def test_payload_reason_and_topic_are_scrubbed():
    letter = DeadLetter(T0, "mqtt", "crowdsafety/mini/sensors/jan@example.nl",
                        "row 0: unknown sensor 'phone 0612345678'",
                        '{"sensor_id": "cam-beach", "start": "2026-08-14T22:00:00+02:00", "value": 412, '
                        '"note": "device 00:1A:2B:3C:4D:5E from 192.168.1.20"}')
    assert letter.where == "crowdsafety/mini/sensors/[e-mail]"
    assert letter.reason == "row 0: unknown sensor 'phone [phone]'"
    assert letter.payload == ('{"sensor_id": "cam-beach", "start": "2026-08-14T22:00:00+02:00", "value": 412, '
                              '"note": "device [mac] from [ip]"}')


def test_a_long_payload_is_cut_before_and_after_scrubbing():
    letter = DeadLetter(T0, "mqtt", "t", "too long", "AB-12-CD " * (MAX_PAYLOAD_CHARS // 4))
    assert len(letter.payload) == MAX_PAYLOAD_CHARS // 9 * 8 + 1  # 455 plates of 9 characters and an "A"
    assert "AB-12-CD" not in letter.payload and letter.payload.startswith("[plate] [plate]")
    longer = DeadLetter(T0, "mqtt", "t", "too long", "AB-1 " * MAX_PAYLOAD_CHARS)
    assert len(longer.payload) == MAX_PAYLOAD_CHARS
