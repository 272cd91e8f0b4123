"""Fuzz the aerial upload parser: JSON, GeoJSON and CSV uploads broken as documents (a node
replaced by an odd value, removed, given an unknown key, wrapped) or as text (cut, bytes flipped,
lines swapped, not UTF-8). It must return drafts or raise :class:`AerialUploadError` naming what
is wrong and where, never another exception, for at least ``UPLOAD_INPUTS`` malformed inputs.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from crowdsafety.sources.aerial_uploads import AerialUploadError, parse_upload

from .malformed import broken_documents, corrupted, dump, fuzz_settings, json_values

#: Malformed uploads the parser must refuse at least; examples of ``PER_EXAMPLE`` inputs each.
UPLOAD_INPUTS = 2500
PER_EXAMPLE = 20
EXAMPLES = 150

POINT = {"type": "Point", "coordinates": [4.2805, 52.1104]}
AREA = {"type": "Polygon", "coordinates": [[[4.2800, 52.1100], [4.2820, 52.1100], [4.2820, 52.1110],
                                            [4.2800, 52.1110], [4.2800, 52.1100]]]}
RECORDS = [
    {"category": "illegal_dumping", "time": "2026-07-12T12:05:00+02:00", "geometry": POINT, "description": "fridge"},
    {"category": "crowd_estimate", "time": "2026-07-12T10:10:00Z", "geometry": AREA, "people": 850},
    {"category": "blocked_route", "time": "2026-07-12T10:12:00+00:00", "geometry": POINT},
]
JSON_DOC = {"observations": RECORDS}
GEOJSON_DOC = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": r["geometry"], "properties": {k: v for k, v in r.items() if k != "geometry"}}
    for r in RECORDS]}
CSV_TEXT = ("category,time,lon,lat,radius_m,people,description\n"
            "illegal_dumping,2026-07-12T12:05:00+02:00,4.2805,52.1104,,,fridge\n"
            "crowd_estimate,2026-07-12T10:10:00Z,4.2810,52.1105,50,850,\n"
            'other,2026-07-12T10:12:00Z,4.2805,52.1104,,,"a ""quoted"", text"\n')
CSV_GEOMETRY = "category,time,geometry\nother,2026-07-12T10:12:00Z,\"" + json.dumps(AREA).replace('"', '""') + "\"\n"


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, Any]:
    """(format, content) of an upload broken in one of several ways."""
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return "json", dump(draw(broken_documents(JSON_DOC)))
    if kind == 1:
        return "geojson", dump(draw(broken_documents(GEOJSON_DOC)))
    if kind == 2:
        return draw(st.sampled_from(["json", "geojson"])), draw(corrupted(json.dumps(draw(
            st.sampled_from([JSON_DOC, GEOJSON_DOC])))))
    if kind == 3:
        return "csv", draw(corrupted(draw(st.sampled_from([CSV_TEXT, CSV_GEOMETRY]))))
    if kind == 4:
        return "json", dump({"observations": [draw(broken_documents(draw(st.sampled_from(RECORDS))))]})
    if kind == 5:
        return "json", dump(draw(json_values))
    return "csv", draw(st.text(alphabet=",\"\n\r abc0123456789.-:TZ+{}[]", max_size=80)).encode()


def test_malformed_uploads_raise_only_the_upload_error():
    fed = refused = 0

    @fuzz_settings(EXAMPLES)
    @given(st.lists(uploads(), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def run(batch: list[tuple[str, Any]]) -> None:
        nonlocal fed, refused
        for fmt, content in batch:
            fed += 1
            try:
                drafts = parse_upload(content, fmt)
            except AerialUploadError as exc:
                refused += 1
                assert exc.problems and str(exc).strip()
                for problem in exc.problems:
                    assert problem.message.strip(), problem
                    # a record's problem names the record; only whole-upload problems have no place
                    assert problem.where or not problem.message.startswith(("must", "unknown category")), problem
            else:
                assert drafts and all(d.where for d in drafts)

    run()
    print(f"\naerial uploads: {fed} inputs fed, {refused} malformed ones refused")
    assert refused >= UPLOAD_INPUTS
