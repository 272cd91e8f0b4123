"""The public page's map needs no key and carries no counts."""

from fastapi.testclient import TestClient

from crowdsafety.api import create_app


def test_public_site_and_layers_without_a_key(runtime):
    with TestClient(create_app(runtime)) as anonymous:
        site = anonymous.get("/api/v1/public/site").json()
        assert site["id"] == runtime.site.id and len(site["bbox"]) == 4
        assert anonymous.get("/api/v1/public/layers").json()[0] == "zones"
        zones = anonymous.get("/api/v1/public/layers/zones")
        assert zones.status_code == 200 and zones.headers["content-type"].startswith("application/geo+json")
        props = [f["properties"] for f in zones.json()["features"]]
        assert props and all(set(p) == {"id", "name", "group"} for p in props)
        missing = anonymous.get("/api/v1/public/layers/sensors")
        assert missing.status_code == 404 and "layers: zones" in missing.json()["detail"]
