"""What schemathesis found, pinned down: whole Allow headers, strict times, a self-contained OpenAPI."""

from __future__ import annotations

import json
import re

import pytest


def test_405_allow_lists_every_method_of_the_path(client):
    for method in ("OPTIONS", "PUT", "DELETE"):
        r = client.request(method, "/api/v1/keys")
        assert r.status_code == 405 and r.headers["allow"] == "GET, POST", (method, r.headers.get("allow"))
    assert client.put("/api/v1/zones").headers["allow"] == "GET"


@pytest.mark.parametrize("at", ["0.5", "1751716800", "false", "2026-07-05", "2026-07-05T12:00:00"])
def test_times_are_iso_8601_with_an_offset_only(client, at):
    r = client.get("/api/v1/zones", params={"at": at})
    assert r.status_code == 422 and "query.at" in r.json()["detail"], r.text
    assert client.get("/api/v1/zones", params={"at": "2026-07-05T12:00:00+02:00"}).status_code == 200


def test_openapi_refs_resolve_and_errors_are_problems(client):
    doc = client.get("/openapi.json").json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert refs <= set(doc["components"]["schemas"]), refs - set(doc["components"]["schemas"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            invalid = op["responses"].get("422")
            if invalid is not None:
                schema = invalid["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, schema)


def test_every_public_error_answer_is_a_documented_problem(client):
    """Each error a public route documents is a Problem, and the ones it gives are documented."""
    doc = client.get("/openapi.json").json()
    public = {path: ops for path, ops in doc["paths"].items() if path.startswith("/api/v1/public/")}
    assert len(public) >= 6, sorted(public)
    for path, ops in public.items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
    layer = doc["paths"]["/api/v1/public/layers/{name}"]["get"]["responses"]
    incident = doc["paths"]["/api/v1/public/incidents/{ref}"]["get"]["responses"]
    assert {"404", "422"} <= set(layer) and {"404", "422", "429"} <= set(incident)
    for url, status in (("/api/v1/public/layers/nowhere", 404), ("/api/v1/public/layers/" + "x" * 41, 422),
                        ("/api/v1/public/incidents/" + "X" * 41, 422), ("/api/v1/public/incidents/CS-NONE22", 404)):
        r = client.get(url, headers={"Authorization": ""})
        assert r.status_code == status and set(r.json()) == {"detail"} and r.json()["detail"], (url, r.text)
