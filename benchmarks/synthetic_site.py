"""Write a synthetic site folder: a grid of square zones with one counting camera each."""

from __future__ import annotations

import json
from pathlib import Path

CELL_DEG = 0.001  # ~70 m x 111 m at 52° N


def write_grid_site(folder: Path, zones: int, *, site_id: str = "grid") -> list[str]:
    """Create ``folder`` with ``zones`` zones (and a zone_count sensor each); returns sensor ids."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.toml").write_text(
        f'id = "{site_id}"\nname = "Synthetic grid"\ntimezone = "Europe/Amsterdam"\ninterval_minutes = 5\n'
        'crs = "EPSG:28992"\n'
    )
    side = int(zones ** 0.5) + 1
    features, sensors = [], []
    for i in range(zones):
        x0, y0 = 4.0 + (i % side) * CELL_DEG, 52.0 + (i // side) * CELL_DEG
        ring = [[x0, y0], [x0 + CELL_DEG, y0], [x0 + CELL_DEG, y0 + CELL_DEG], [x0, y0 + CELL_DEG], [x0, y0]]
        features.append({"type": "Feature", "properties": {"id": f"z{i}", "area_m2": 5000.0},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
        sensors.append(f'[[sensor]]\nid = "cam{i}"\nkind = "zone_count"\nzones = ["z{i}"]\n')
    (folder / "zones.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    (folder / "sensors.toml").write_text("\n".join(sensors))
    return [f"cam{i}" for i in range(zones)]
