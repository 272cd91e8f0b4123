"""Row validation: each kind of bad row is rejected with its index, field and reason."""

from datetime import datetime, timezone

import pytest

from crowdsafety.ingest import validate_rows

NOW = datetime(2026, 7, 5, 12, 0, tzinfo=timezone.utc)
GOOD = {"sensor_id": "cam-beach", "start": "2026-07-05T13:55:00+02:00", "metric": "count", "value": 42}


def _one(site, **changes):
    row = {**GOOD, **changes}
    row = {k: v for k, v in row.items() if v is not ...}
    return validate_rows(site, [row], now=NOW)


def test_good_row_becomes_utc_observation(mini_site):
    batch = _one(mini_site)
    assert batch.rejected == []
    row = batch.frame.iloc[0]
    assert row.start == datetime(2026, 7, 5, 11, 55, tzinfo=timezone.utc)
    assert row.interval_s == 300 and row.value == 42.0 and row.quality == "ok"


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"sensor_id": "cam-nowhere"}, "sensor_id", "unknown sensor 'cam-nowhere'"),
        ({"sensor_id": ...}, "sensor_id", "missing"),
        ({"start": "yesterday"}, "start", "unparsable timestamp"),
        ({"start": "2026-07-05T13:55:00"}, "start", "no time zone"),
        ({"start": 1783252500}, "start", "ISO 8601"),
        ({"start": "2026-07-05T14:30:00+02:00"}, "start", "in the future"),
        ({"value": -1}, "value", "negative"),
        ({"value": float("nan")}, "value", "finite"),
        ({"value": float("inf")}, "value", "finite"),
        ({"value": True}, "value", "must be a number"),
        ({"value": "12"}, "value", "must be a number"),
        ({"value": 12.5}, "value", "whole number"),
        ({"metric": "devices"}, "metric", "does not fit a zone_count sensor"),
        ({"interval_s": 0}, "interval_s", "whole number of seconds"),
        ({"interval_s": False}, "interval_s", "whole number of seconds"),
        ({"quality": "great"}, "quality", "must be one of"),
    ],
)
def test_bad_rows_are_rejected_with_reason(mini_site, changes, field, words):
    batch = _one(mini_site, **changes)
    assert len(batch.frame) == 0
    [rejection] = batch.rejected
    assert rejection.index == 0 and rejection.field == field
    assert words in rejection.reason


def test_non_object_rows_and_unknown_fields(mini_site):
    batch = validate_rows(mini_site, [GOOD, [1, 2], "x", {**GOOD, "person_id": 7}], now=NOW)
    assert len(batch.frame) == 1
    assert [r.index for r in batch.rejected] == [1, 2, 3]
    assert "unknown field(s): person_id" in batch.rejected[2].reason


def test_weather_allows_negative_temperature_and_fractions(mini_site):
    rows = [
        {"sensor_id": "weather", "start": "2026-07-05T11:00:00Z", "metric": "temperature_c", "value": -2.5},
        {"sensor_id": "weather", "start": "2026-07-05T11:00:00Z", "metric": "precipitation_mm", "value": -0.1},
    ]
    batch = validate_rows(mini_site, rows, now=NOW)
    assert list(batch.frame.value) == [-2.5]
    assert batch.rejected[0].index == 1


def test_mixed_batch_keeps_order_and_indices(mini_site):
    rows = [GOOD, {**GOOD, "value": -5}, {**GOOD, "metric": "count", "value": 7, "start": "2026-07-05T11:50:00Z"}]
    batch = validate_rows(mini_site, rows, now=NOW)
    assert list(batch.frame.value) == [42.0, 7.0]
    assert [r.index for r in batch.rejected] == [1]
