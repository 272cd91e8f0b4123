"""The product's own CSV / JSON-lines observation files."""

from pathlib import Path

import pytest

from crowdsafety.sources.observation_files import read_observation_file


def test_csv_numbers_are_converted_and_bad_lines_named(tmp_path: Path):
    path = tmp_path / "obs.csv"
    path.write_text(
        "sensor_id,start,metric,value\n"
        "cam-beach,2026-07-05T11:00:00Z,count,12\n"
        "cam-beach,2026-07-05T11:05:00Z,count,1.5\n"
        "cam-beach,2026-07-05T11:10:00Z,count\n"
        "\n"
        "cam-beach,2026-07-05T11:15:00Z,count,lots\n"
    )
    parsed = read_observation_file(path)
    assert [r["value"] for r in parsed.rows] == [12, 1.5, "lots"]
    assert parsed.line_numbers == [2, 3, 6]
    assert parsed.errors == [(4, "3 cells, header has 4")]


def test_jsonl_rejects_nan_and_broken_lines(tmp_path: Path):
    path = tmp_path / "obs.jsonl"
    path.write_text('{"sensor_id": "a", "value": 1}\n{"value": NaN}\n{oops\n')
    parsed = read_observation_file(path)
    assert parsed.rows == [{"sensor_id": "a", "value": 1}]
    assert [n for n, _ in parsed.errors] == [2, 3]


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("obs.txt", "x", "unknown file type"),
        ("obs.csv", "sensor,when\n", "header lacks column(s)"),
        ("obs.csv", b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_whole_file_errors(tmp_path: Path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_observation_file(path)
    with pytest.raises(ValueError, match="no such file"):
        read_observation_file(tmp_path / "missing.csv")
