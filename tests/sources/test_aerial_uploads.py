"""Aerial uploads: JSON, GeoJSON and CSV become drafts; a malformed record refuses the whole
upload with every problem named by record and field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from shapely.geometry import shape

from crowdsafety.domain import AerialCategory
from crowdsafety.sites import geometry
from crowdsafety.sources.aerial_uploads import (
    AerialDraft,
    AerialUploadError,
    circle,
    format_of,
    parse_upload,
)

POINT = {"type": "Point", "coordinates": [4.2805, 52.1104]}
AREA = {"type": "Polygon", "coordinates": [[[4.2800, 52.1100], [4.2820, 52.1100], [4.2820, 52.1110],
                                            [4.2800, 52.1110], [4.2800, 52.1100]]]}
DUMPING = {"category": "illegal_dumping", "time": "2026-07-12T12:05:00+02:00", "geometry": POINT,
           "description": "fridge and mattresses by the dunes path"}
CROWD = {"category": "crowd_estimate", "time": "2026-07-12T10:10:00Z", "geometry": AREA, "people": 850}


def problems(data: str | bytes, fmt: str) -> list[str]:
    with pytest.raises(AerialUploadError) as caught:
        parse_upload(data, fmt)
    return [str(p) for p in caught.value.problems]


def test_json_upload_becomes_drafts_in_utc():
    drafts = parse_upload(json.dumps({"observations": [DUMPING, CROWD]}), "json")
    assert drafts == [
        AerialDraft("observations[0]", AerialCategory.ILLEGAL_DUMPING, POINT, datetime(2026, 7, 12, 10, 5, tzinfo=UTC),
                    description="fridge and mattresses by the dunes path"),
        AerialDraft("observations[1]", AerialCategory.CROWD_ESTIMATE, AREA, datetime(2026, 7, 12, 10, 10, tzinfo=UTC),
                    people=850),
    ]


def test_geojson_upload_takes_fields_from_properties_and_ignores_others():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": AREA, "properties": {**{k: v for k, v in CROWD.items() if k != "geometry"},
                                                             "camera": "wide", "altitude": 45}},
        {"type": "Feature", "geometry": POINT, "properties": {"category": "fire_or_smoke",
                                                              "time": "2026-07-12T12:30:00+02:00"}},
    ]}
    drafts = parse_upload(json.dumps(doc).encode(), "geojson")
    assert [(d.where, d.category, d.people, d.geometry["type"]) for d in drafts] == [
        ("features[0]", AerialCategory.CROWD_ESTIMATE, 850, "Polygon"),
        ("features[1]", AerialCategory.FIRE_OR_SMOKE, None, "Point")]
    assert parse_upload(json.dumps(doc), "json") == drafts  # a JSON upload may be a FeatureCollection


def test_csv_with_geometry_text_or_lon_lat_and_radius():
    text = ("category,time,lon,lat,radius_m,people,description,operator_note\n"
            "blocked_route,2026-07-12T12:00:00+02:00,4.2805,52.1104,,,car on the emergency route,x\n"
            "\n"
            "crowd_estimate,2026-07-12T12:01:00+02:00,4.2810,52.1105,50,120,,y\n")
    blocked, crowd = parse_upload(text, "csv")
    assert blocked.where == "line 2" and blocked.geometry == {"type": "Point", "coordinates": [4.2805, 52.1104]}
    assert blocked.description == "car on the emergency route" and blocked.people is None
    assert crowd.where == "line 4" and crowd.people == 120 and crowd.geometry["type"] == "Polygon"
    disc = geometry.metric_shape(crowd.geometry, geometry.to_metric("EPSG:28992"))
    assert disc.area == pytest.approx(3.14159 * 50**2, rel=0.005)  # a 50 m circle, measured in RD New
    quoted = json.dumps(POINT).replace('"', '""')
    with_geometry = f'category,time,geometry\nother,2026-07-12T10:00:00Z,"{quoted}"\n'
    assert parse_upload(with_geometry, "csv")[0].geometry == POINT


def test_circle_is_a_valid_polygon_of_the_radius_at_any_latitude():
    for lat in (-60.0, 0.0, 52.1, 70.0):
        disc = shape(circle(4.0, lat, 1000))
        assert disc.is_valid
        metric = geometry.metric_shape(circle(4.0, lat, 1000), geometry.to_metric(geometry.utm_crs(4.0, lat)))
        assert metric.area == pytest.approx(3.14159e6, rel=0.005)


@pytest.mark.parametrize(("record", "expected"), [
    ({**DUMPING, "category": "graffiti"}, "observations[0].category: unknown category 'graffiti' (one of "
                                          "illegal_dumping, fire_or_smoke, crowd_estimate, blocked_route, other)"),
    ({**DUMPING, "time": "2026-07-12T12:05:00"}, "observations[0].time: needs a time zone offset"),
    ({**DUMPING, "time": "noon"}, "observations[0].time: not an ISO 8601 time: 'noon'"),
    ({**DUMPING, "time": 1752314700}, "observations[0].time: must be an ISO 8601 time with offset"),
    ({**DUMPING, "time": "0001-01-01T00:00:00+01:00"}, "observations[0].time: out of range in UTC"),
    ({**DUMPING, "geometry": {"type": "LineString", "coordinates": [[4.28, 52.11], [4.29, 52.11]]}},
     "observations[0].geometry: geometry type must be Point or Polygon, got 'LineString'"),
    ({**DUMPING, "geometry": {"type": "Point", "coordinates": [52.11, 94.28]}},
     "observations[0].geometry: coordinates [52.11, 94.28] are outside WGS84"),
    ({**DUMPING, "geometry": {"type": "Point", "coordinates": "4.28,52.11"}},
     "observations[0].geometry: a Point needs coordinates [lon, lat]"),
    ({**DUMPING, "geometry": {"type": "Polygon", "coordinates": [[[4.28, 52.11], [4.29, 52.12], [4.29, 52.11],
                                                                  [4.28, 52.12], [4.28, 52.11]]]}},
     "observations[0].geometry: invalid polygon: Self-intersection"),
    ({**DUMPING, "people": 3}, "observations[0].people: only a crowd estimate carries a people count, not "
                               "illegal_dumping"),
    ({**CROWD, "people": -5}, "observations[0].people: must be a whole number 0-1,000,000, got -5"),
    ({**CROWD, "people": 12.5}, "observations[0].people: must be a whole number 0-1,000,000, got 12.5"),
    ({**CROWD, "people": True}, "observations[0].people: must be a whole number 0-1,000,000, got True"),
    ({k: v for k, v in CROWD.items() if k != "people"},
     "observations[0].people: a crowd estimate needs a people count"),
    ({**CROWD, "geometry": POINT}, "observations[0].geometry: a crowd estimate needs an area"),
    ({**DUMPING, "description": ["x"]}, "observations[0].description: must be text, got ['x']"),
    ({**DUMPING, "description": "a\x00b"}, "observations[0].description: holds a NUL character"),
    ({**DUMPING, "image": "data:image/jpeg;base64,..."}, "observations[0]: unknown field(s) 'image'"),
    ("dumping", "observations[0]: must be an object"),
])
def test_a_malformed_json_record_refuses_the_upload(record, expected):
    found = problems(json.dumps({"observations": [record, DUMPING]}), "json")  # the good one does not help
    assert len(found) == 1 and found[0].startswith(expected), found


def test_every_problem_is_named_not_only_the_first():
    bad = {"category": "nope", "time": "later", "geometry": None, "people": -1}
    found = problems(json.dumps({"observations": [bad, DUMPING, {**CROWD, "people": None}]}), "json")
    assert found == [
        "observations[0].category: unknown category 'nope' (one of illegal_dumping, fire_or_smoke, crowd_estimate, "
        "blocked_route, other)",
        "observations[0].time: not an ISO 8601 time: 'later'",
        "observations[0].geometry: must be a GeoJSON Point or Polygon object",
        "observations[0].people: must be a whole number 0-1,000,000, got -1",
        "observations[2].people: a crowd estimate needs a people count",
    ]


@pytest.mark.parametrize(("data", "expected"), [
    ("{\"observations\": [", "not valid JSON: Expecting value: line 1 column 19"),
    ("[]", "expected {\"observations\": [...]} or a GeoJSON FeatureCollection"),
    ("{\"observations\": [], \"flight\": 1}", "expected {\"observations\": [...]}"),
    ("{\"observations\": []}", "the upload holds no observations"),
    ("{\"observations\": [{\"people\": NaN}]}", "not valid JSON: NaN is not a JSON number"),
    (b"\xff\xfe{}", "byte 0: not UTF-8 text (invalid start byte)"),
    ("{\"type\": \"FeatureCollection\", \"features\": {}}", "features: a FeatureCollection needs a 'features' list"),
    ("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"geometry\": null}]}",
     "features[0].properties: must be an object with category and time"),
    ("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"category\": "
     "\"other\", \"time\": \"2026-07-12T10:00:00Z\"}, \"geometry\": {\"type\": \"MultiPoint\"}}]}",
     "features[0].geometry: geometry type must be Point or Polygon, got 'MultiPoint'"),
    ("{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"category\": "
     "\"other\", \"time\": \"2026-07-12T10:00\"}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [4, 52]}}]}",
     "features[0].properties.time: needs a time zone offset"),
])
def test_malformed_json_documents(data, expected):
    found = problems(data, "json")
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(("text", "expected"), [
    ("category,lon,lat\nother,4.28,52.11\n", "line 1: missing column(s) time"),
    ("category,time,people\nother,2026-07-12T10:00:00Z,\n", "line 1: missing column(s) geometry (or lon and lat)"),
    ("category,time,lon,lon,lat\n", "line 1: column(s) lon given twice"),
    ("category,time,lon,lat\nother,2026-07-12T10:00:00Z,4.28\n", "line 2: 3 values for 4 columns"),
    ("category,time,lon,lat\nother,2026-07-12T10:00:00Z,east,52.11\n", "line 2, lon: must be a number, got 'east'"),
    ("category,time,lon,lat\nother,2026-07-12T10:00:00Z,inf,52.11\n", "line 2, lon: must be a number, got 'inf'"),
    ("category,time,lon,lat,radius_m,people\ncrowd_estimate,2026-07-12T10:00:00Z,4.28,52.11,0,5\n",
     "line 2, radius_m: must be a number of metres in (0, 5000], got 0"),
    ("category,time,lon,lat,people\ncrowd_estimate,2026-07-12T10:00:00Z,4.28,52.11,many\n",
     "line 2, people: must be a whole number, got 'many'"),
    ("category,time,lon,lat,people\ncrowd_estimate,2026-07-12T10:00:00Z,4.28,52.11,-3\n",
     "line 2, people: must be a whole number 0-1,000,000, got -3"),
    ("category,time,lon,lat,people\ncrowd_estimate,2026-07-12T10:00:00Z,4.28,52.11,30\n",
     "line 2, geometry: a crowd estimate needs an area"),
    ("category,time,geometry\nother,2026-07-12T10:00:00Z,{bad\n", "line 2, geometry: not valid GeoJSON text"),
    ("category,time,geometry\nother,2026-07-12T10:00:00Z,\n", "line 2, geometry: required (GeoJSON text)"),
    ("category,time,lon,lat\nother,2026-07-12 10:00,4.28,52.11\n", "line 2, time: needs a time zone offset"),
    ("category,time,lon,lat\nother,2026-07-12T10:00:00Z,200,52.11\n",
     "line 2, geometry: coordinates [200.0, 52.11] are outside WGS84"),
    ("category,time,lon,lat\n", "the upload holds no observations"),
    ("", "the upload holds no observations"),
])
def test_malformed_csv(text, expected):
    found = problems(text, "csv")
    assert len(found) == 1 and found[0].startswith(expected), found


def test_csv_problems_name_their_lines():
    text = ("category,time,lon,lat\nother,2026-07-12T10:00:00Z,4.28,52.11\nsmoke,2026-07-12T10:00:00Z,4.28,52.11\n"
            "other,2026-07-12T10:00:00Z,4.28,52.11\nother,yesterday,4.28,52.11\n")
    assert problems(text, "csv") == [
        "line 3, category: unknown category 'smoke' (one of illegal_dumping, fire_or_smoke, crowd_estimate, "
        "blocked_route, other)",
        "line 5, time: not an ISO 8601 time: 'yesterday'"]


@pytest.mark.parametrize(("given", "fmt"), [
    ("upload.geojson", "geojson"), ("FLIGHT.JSON", "json"), ("obs.csv", "csv"), ("application/json", "json"),
    ("application/geo+json", "geojson"), ("text/csv; charset=utf-8", "csv")])
def test_format_from_file_name_or_media_type(given, fmt):
    assert format_of(given) == fmt


def test_unknown_format_is_refused():
    with pytest.raises(AerialUploadError, match="unknown format 'photo.jpg'"):
        format_of("photo.jpg")
    with pytest.raises(AerialUploadError, match="unknown format 'xml'"):
        parse_upload("<x/>", "xml")
