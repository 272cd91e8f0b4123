"""Load and validate a site folder (site.toml, zones.geojson, sensors.toml) into a Site."""

from crowdsafety.sites.loader import check_site, load_site

__all__ = ["check_site", "load_site"]
