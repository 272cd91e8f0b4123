// The map: the site's own background (coast, streets, stops, routes; tiles only when the site
// sets a tile URL), zones coloured by level with the level word on them, sensors by health,
// and an incidents layer. Drawn as SVG by Leaflet (vendored), so it needs no GPU and no internet.
/* global L */
import { LEVELS, LEVEL_COLOUR, el, fmtPct, levelBadge, levelWord, shortName } from "./format.js";
import { t } from "./i18n.js";
import { zoneFacts } from "./views.js";

/** Sensor marker style per health: fill, ring; ``ok`` filled blue, faults hollow with a ring. */
const HEALTH_STYLE = {
  ok: { fillColor: "#0072b2", color: "#ffffff", fillOpacity: 1 },
  stale: { fillColor: "#ffffff", color: "#cc79a7", fillOpacity: 1 },
  frozen: { fillColor: "#ffffff", color: "#56b4e9", fillOpacity: 1 },
  spike: { fillColor: "#ffffff", color: "#d55e00", fillOpacity: 1 },
  no_data: { fillColor: "#ffffff", color: "#000000", fillOpacity: 1 },
};

const BACKGROUND_STYLE = {
  sea: { color: "#9fc3dc", weight: 0, fillColor: "#cfe3f0", fillOpacity: 1 },
  harbour: { color: "#9fc3dc", weight: 0, fillColor: "#cfe3f0", fillOpacity: 1 },
  coastline: { color: "#7ea9c6", weight: 1.5 },
  street: { color: "#c9c4ba", weight: 2 },
};

/** Emergency routes: clear ones dashed blue; crowded ones (held orange or red) black and heavy. */
const ROUTE_STYLE = {
  clear: { color: "#0072b2", weight: 4, dashArray: "10 6", opacity: 0.9 },
  crowded: { color: "#000000", weight: 6, dashArray: "4 4", opacity: 1 },
};

export class SiteMap {
  /** A map of ``site`` in ``element``; ``onZone(id)`` is called when a zone is clicked.
   * ``details: false`` (the public page): zone tooltips name the level only, no sensors. */
  constructor(element, site, onZone, { details = true } = {}) {
    this.onZone = onZone;
    this.details = details;
    this.map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(site.tile_url) });
    const [west, south, east, north] = site.bbox;
    this.bounds = L.latLngBounds([south, west], [north, east]);
    this.map.fitBounds(this.bounds, { padding: [12, 12] });
    if (site.tile_url) {
      const host = new URL(site.tile_url.replace("{s}", "a")).host;
      L.tileLayer(site.tile_url, { maxZoom: 19, attribution: `© ${host}` }).addTo(this.map);
      element.classList.add("with-tiles");
    }
    this.map.createPane("background").style.zIndex = 250;
    this.map.createPane("labels").style.zIndex = 450;
    this.map.getPane("labels").style.pointerEvents = "none";
    this.zoneLayers = new Map();
    this.zones = L.featureGroup().addTo(this.map);
    this.labels = L.layerGroup().addTo(this.map);
    this.sensors = L.layerGroup().addTo(this.map);
    this.routes = L.layerGroup().addTo(this.map);
    this.incidents = L.layerGroup().addTo(this.map);
    this.control = L.control.layers(null, null, { collapsed: true, position: "topright" }).addTo(this.map);
    this.overlayNames = [];
    this.addOverlay(this.zones, "zones_layer");
    if (details) this.addOverlay(this.sensors, "sensors_layer");
    this.legend = L.control({ position: "bottomleft" });
    this.legend.onAdd = () => legendBox(details);
    this.legend.addTo(this.map);
    this.selected = null;
    // Zone names on the map only when zoomed in far enough for them to fit; the word always.
    this.namesFrom = this.map.getZoom() + 1.5;
    this.map.on("zoomend", () => this.showNames());
    this.showNames();
  }

  /** Zone names on the map when zoomed in (CSS shows ``.zone-label-name`` under ``.show-names``). */
  showNames() {
    this.map.getContainer().classList.toggle("show-names", this.map.getZoom() >= this.namesFrom);
  }

  addOverlay(layer, key) {
    this.control.addOverlay(layer, t(key));
    this.overlayNames.push([layer, key]);
  }

  /** Relabel the layer switcher and the legend after a language change. */
  relabel() {
    this.legend.remove();
    this.legend.addTo(this.map);
    for (const [layer] of this.overlayNames) this.control.removeLayer(layer);
    for (const [layer, key] of this.overlayNames) this.control.addOverlay(layer, t(key));
  }

  /** A background layer of the site folder: ``coast`` (sea, coastline, streets) or ``stops``. */
  addBackground(name, collection) {
    const layer = L.geoJSON(collection, {
      pane: "background",
      interactive: name !== "coast",
      style: (f) => BACKGROUND_STYLE[f.properties.kind] || BACKGROUND_STYLE.street,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        pane: "background", radius: 3, color: "#5b5b5b", weight: 1, fillColor: "#ffffff", fillOpacity: 1,
      }),
      onEachFeature: (f, l) => {
        const props = f.properties || {};
        if (props.name && name !== "coast") {
          // a stop may list its lines in a property whose name starts with "lines" ("tram 1;bus 22")
          const lines = Object.entries(props).find(([key]) => key.startsWith("lines"))?.[1];
          l.bindTooltip(lines ? `${props.name} (${String(lines).replaceAll(";", ", ")})` : props.name);
        }
      },
    }).addTo(this.map);
    if (name !== "coast") this.addOverlay(layer, name);
    return layer;
  }

  /** Draw the zones from ``views``: [{id, name, geometry, level, mode, people, density, flow, status, chance}]. */
  setZones(views) {
    const seen = new Set();
    for (const view of views) {
      seen.add(view.id);
      let entry = this.zoneLayers.get(view.id);
      if (!entry) entry = this.addZone(view);
      entry.view = view;
      entry.layer.setStyle(zoneStyle(view, view.id === this.selected));
      const path = entry.layer.getLayers()[0].getElement();
      if (path) {
        path.dataset.zone = view.id;
        path.dataset.level = view.level || "none";
        path.dataset.mode = view.mode;
      }
      entry.label.setIcon(labelIcon(view));
    }
    for (const [id, entry] of this.zoneLayers) {
      if (!seen.has(id)) {
        this.zones.removeLayer(entry.layer);
        this.labels.removeLayer(entry.label);
        this.zoneLayers.delete(id);
      }
    }
  }

  addZone(view) {
    const layer = L.geoJSON({ type: "Feature", geometry: view.geometry, properties: {} });
    const label = L.marker(centre(view.geometry), { icon: labelIcon(view), pane: "labels", interactive: false, keyboard: false });
    const entry = { layer, view, label };
    layer.bindTooltip(() => zoneTooltip(entry.view, this.details), { sticky: true, className: "zone-tip" });
    layer.on("click", () => this.onZone(view.id));
    layer.addTo(this.zones);
    entry.label.addTo(this.labels);
    this.zoneLayers.set(view.id, entry);
    return entry;
  }

  select(zoneId) {
    this.selected = zoneId;
    for (const [id, entry] of this.zoneLayers) entry.layer.setStyle(zoneStyle(entry.view, id === zoneId));
  }

  /** Sensors with a location: [{id, name, kind, health, health_detail, location: [lon, lat]}]. */
  setSensors(sensors) {
    this.sensors.clearLayers();
    for (const s of sensors) {
      if (!s.location) continue;
      const style = HEALTH_STYLE[s.health] || HEALTH_STYLE.no_data;
      const marker = L.circleMarker([s.location[1], s.location[0]], { radius: 6, weight: 2.5, ...style });
      marker.bindTooltip(() => sensorTooltip(s));
      marker.addTo(this.sensors);
      const node = marker.getElement();
      if (node) {
        node.dataset.sensor = s.id;
        node.dataset.health = s.health;
      }
    }
  }

  /** Emergency routes of ``GET /api/v1/emergency-routes`` with their status. */
  setRoutes(collection) {
    if (!this.routesShown) {
      this.addOverlay(this.routes, "routes");
      this.map.getContainer().classList.add("has-routes");
      this.routesShown = true;
    }
    this.routes.clearLayers();
    L.geoJSON(collection, {
      style: (f) => (f.properties.clear ? ROUTE_STYLE.clear : ROUTE_STYLE.crowded),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(() => routeTooltip(f.properties, (id) => this.zoneLayers.get(id)?.view.name ?? id));
        layer.on("add", () => {
          const path = layer.getElement();
          path.dataset.route = f.properties.id;
          path.dataset.clear = String(f.properties.clear);
        });
      },
    }).addTo(this.routes);
  }

  /** The incidents layer: a GeoJSON FeatureCollection of points with ``kind`` (category),
   * ``symbol`` and ``label`` (shown on the marker, so never colour alone), ``status``, ``ref``
   * and ``title`` (the tooltip). */
  setIncidents(collection) {
    this.incidents.clearLayers();
    L.geoJSON(collection, {
      pointToLayer: (f, latlng) => L.marker(latlng, { icon: incidentIcon(f.properties), keyboard: false }),
      onEachFeature: (f, l) => l.bindTooltip(f.properties.title || f.properties.kind || ""),
    }).addTo(this.incidents);
  }

  /** After the map's box changed size: redraw, and with ``refit`` fit the site again. */
  sizeChanged(refit = false) {
    this.map.invalidateSize();
    if (refit) this.map.fitBounds(this.bounds, { padding: [12, 12] });
  }
}

function legendBox(details) {
  const box = el("div", "map-legend");
  box.setAttribute("aria-label", t("legend"));
  for (const level of LEVELS) box.append(levelBadge(level));
  if (details) box.append(el("span", "legend-route", t("routes")));
  return box;
}

function zoneStyle(view, selected) {
  const forecast = view.mode === "forecast";
  return {
    color: selected ? "#000000" : "#3a3a3a",
    weight: selected ? 4 : ({ orange: 2.5, red: 3.5 }[view.level] || 1.5),
    dashArray: forecast ? "6 4" : null,
    fillColor: LEVEL_COLOUR[view.level] || LEVEL_COLOUR.none,
    fillOpacity: view.level ? 0.7 : 0.35,
  };
}

/** A forecast label names the chance of orange or worse from this chance on (0-1). */
const LABEL_CHANCE = 0.05;

function labelIcon(view) {
  const box = el("div", `zone-label label-${view.level || "none"}`);
  box.append(el("span", "zone-label-name", shortName(view.name)), el("b", null, levelWord(view.level)));
  if (view.mode === "forecast" && view.chance >= LABEL_CHANCE) {
    box.append(el("span", "zone-label-chance", `≥${levelWord("orange")} ${fmtPct(view.chance)}`));
  }
  return L.divIcon({ className: "zone-label-icon", html: box, iconSize: null });
}

function zoneTooltip(view, details) {
  const box = el("div", "tip");
  const head = el("div", "tip-head");
  head.append(el("strong", null, view.name), " ", levelBadge(view.level));
  box.append(head);
  for (const [k, v] of details ? zoneFacts(view, false) : []) {
    const row = el("div", "tip-row");
    row.append(el("span", null, k), el("span", "num", v));
    box.append(row);
  }
  return box;
}

function routeTooltip(p, zoneName) {
  const box = el("div", "tip");
  box.append(el("strong", null, p.name), el("div", p.clear ? "route-clear" : "route-crowded", t(p.clear ? "route_clear" : "route_crowded")));
  for (const b of p.crowded_now) box.append(el("div", null, `${zoneName(b.zone_id)}: ${levelWord(b.level)}`));
  for (const b of p.crowded_expected) {
    box.append(el("div", "tip-detail", `${t("expected")} ${zoneName(b.zone_id)}: ${levelWord(b.level)} ${fmtPct(b.probability)}`));
  }
  return box;
}

function sensorTooltip(s) {
  const box = el("div", "tip");
  box.append(el("strong", null, s.name || s.id), el("div", `health health-${s.health}`, t(`health_${s.health}`)));
  if (s.health_detail) box.append(el("div", "tip-detail", s.health_detail));
  return box;
}

/** The area-weighted centroid of a Polygon/MultiPolygon's outer rings, as [lat, lon]. */
function centre(geometry) {
  const polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
  let area = 0;
  let x = 0;
  let y = 0;
  for (const rings of polygons) {
    const ring = rings[0];
    for (let i = 0; i < ring.length - 1; i += 1) {
      const [x0, y0] = ring[i];
      const [x1, y1] = ring[i + 1];
      const cross = x0 * y1 - x1 * y0;
      area += cross;
      x += (x0 + x1) * cross;
      y += (y0 + y1) * cross;
    }
  }
  return [y / (3 * area), x / (3 * area)];
}

/** A marker of an incident: its category's symbol and word, styled by category and status. */
function incidentIcon(p) {
  const box = document.createElement("div");
  box.className = `incident-marker cat-${p.kind} incident-${p.status}`;
  box.dataset.ref = p.ref || "";
  const symbol = document.createElement("span");
  symbol.className = "incident-symbol";
  symbol.textContent = p.symbol || "?";
  const label = document.createElement("span");
  label.className = "incident-label";
  label.textContent = p.label || p.kind || "";
  box.append(symbol, label);
  return L.divIcon({ className: "incident-marker-icon", html: box, iconSize: null });
}
