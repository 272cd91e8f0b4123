// Drones on the map for the control room: the areas of the active flights (outlined, labelled
// with the flight's id and purpose), what they observed (a symbol and a word per category, never
// colour alone; a crowd estimate with its count and its area outlined), and the zones whose
// picture rests on a drone's estimate right now ("covered from the air": a dashed outline on the
// map and a badge in the zone list, shown to every role, as it is part of the zone's state).
// Flights and observations are hidden for partners: the server refuses them, the page does not ask.
/* global L */
import { getJSON, has } from "./api.js";
import { el, fmtDateTime, fmtNum, fmtTime } from "./format.js";
import { lang } from "./i18n.js";
import { may } from "./session.js";

const LIST_ROUTE = "/api/v1/flights";
const OBSERVATIONS_ROUTE = "/api/v1/flights/{}/observations";

/** Per category: a symbol for the marker (with the word next to it). */
export const SYMBOLS = { illegal_dumping: "♻", fire_or_smoke: "♨", crowd_estimate: "▦", blocked_route: "⊘", other: "?" };

/** Flight areas dotted reddish purple, unfilled (clicks reach the zones beneath); observed areas
 * thin; covered zones a heavy dashed outline over the zone's level colour. Okabe-Ito colours. */
const FLIGHT_STYLE = { color: "#cc79a7", weight: 3, dashArray: "2 6", lineCap: "round", fill: false };
const OBSERVED_STYLE = { color: "#1b1b1b", weight: 1.5, dashArray: "4 3", fillColor: "#cc79a7", fillOpacity: 0.15 };
const COVERED_STYLE = { color: "#cc79a7", weight: 4, dashArray: "10 5", fill: false, interactive: false };

const WORDS = {
  nl: {
    layer: "Drones", flight: "Vlucht", until: "tot", persons: "personen", aerial: "drone",
    aerial_title: "Nu geschat vanuit de lucht (drone)",
    purpose_crowd_overview: "overzicht drukte", purpose_environmental_enforcement: "milieuhandhaving",
    purpose_search: "zoekactie",
    cat_illegal_dumping: "Illegale dump", cat_fire_or_smoke: "Brand of rook", cat_crowd_estimate: "Drukteschatting",
    cat_blocked_route: "Versperde route", cat_other: "Overig",
  },
  en: {
    layer: "Drones", flight: "Flight", until: "until", persons: "persons", aerial: "drone",
    aerial_title: "Estimated from the air now (drone)",
    purpose_crowd_overview: "crowd overview", purpose_environmental_enforcement: "environmental enforcement",
    purpose_search: "search",
    cat_illegal_dumping: "Illegal dumping", cat_fire_or_smoke: "Fire or smoke", cat_crowd_estimate: "Crowd estimate",
    cat_blocked_route: "Blocked route", cat_other: "Other",
  },
};

function w(key) {
  return (WORDS[lang()] || WORDS.en)[key] ?? WORDS.en[key] ?? key;
}

/** Whether this key and server show flights at all. */
export function showsFlights(me) {
  return may(me, "flights") && has(LIST_ROUTE);
}

/** The active flights (a FeatureCollection of their areas) and the observations of them all
 * (one list of features); null for a key that may not see them. */
export async function loadFlights(me) {
  if (!showsFlights(me)) return null;
  const flights = await getJSON(LIST_ROUTE, { status: "active" });
  const collections = has(OBSERVATIONS_ROUTE)
    ? await Promise.all(flights.features.map((f) => getJSON(OBSERVATIONS_ROUTE.replace("{}", encodeURIComponent(f.id)))))
    : [];
  return { flights, observations: collections.flatMap((fc) => fc.features) };
}

/** A badge for a zone of the list whose picture rests on a drone's estimate now. */
export function aerialBadge() {
  const badge = el("span", "aerial-badge", `✈ ${w("aerial")}`);
  badge.title = w("aerial_title");
  return badge;
}

/** The drone layers of a ``SiteMap``: covered zones always, flights and observations once a key
 * may see them (then also in the layer switcher). */
export class FlightLayer {
  constructor(siteMap) {
    this.siteMap = siteMap;
    this.covered = L.layerGroup().addTo(siteMap.map);
    this.flights = L.layerGroup().addTo(siteMap.map);
    this.listed = false;
  }

  /** Draw ``data`` (from ``loadFlights``; null: none shown) and the zones of ``views`` whose
   * state is ``aerial``. */
  set(data, views) {
    this.covered.clearLayers();
    for (const view of views.filter((v) => v.aerial && v.mode === "observed")) {
      L.geoJSON(view.geometry, { style: COVERED_STYLE, interactive: false, onEachFeature: (f, layer) => {
        layer.on("add", () => { layer.getElement().dataset.covered = view.id; });
      } }).addTo(this.covered);
    }
    this.flights.clearLayers();
    if (!data) return;
    if (!this.listed) {
      this.siteMap.addOverlay(this.flights, "flights_layer");
      this.listed = true;
    }
    L.geoJSON(data.flights, {
      style: FLIGHT_STYLE,
      onEachFeature: (f, layer) => {
        layer.bindTooltip(() => flightTooltip(f.properties), { sticky: true });
        layer.on("add", () => { layer.getElement().dataset.flight = f.id; });
        L.marker(labelPlace(layer.getBounds(), this.siteMap.bounds), { icon: flightIcon(f), keyboard: false,
          interactive: false }).addTo(this.flights);
      },
    }).addTo(this.flights);
    for (const feature of data.observations) this.addObservation(feature);
  }

  /** A point observation as a marker just above its point (an incident it became is drawn on the
   * point itself); an area (a crowd estimate's) outlined, its marker inside above its southern
   * edge (the zone's label is in the middle). */
  addObservation(feature) {
    const p = feature.properties;
    let at = null;
    if (feature.geometry.type === "Point") {
      const [lon, lat] = feature.geometry.coordinates;
      at = L.latLng(lat, lon);
    } else {
      const bounds = L.geoJSON(feature, { style: OBSERVED_STYLE, interactive: false }).addTo(this.flights).getBounds();
      at = L.latLng(bounds.getSouth(), bounds.getCenter().lng);
    }
    const marker = L.marker(at, { icon: observationIcon(feature), keyboard: false });
    marker.bindTooltip(observationTitle(p));
    marker.addTo(this.flights);
  }
}

/** The area's north-west corner, moved into the site's box when the area reaches beyond it (the
 * map shows the site), so the label stays in view. */
function labelPlace(area, site) {
  const lat = Math.max(Math.min(area.getNorth(), site.getNorth()), site.getSouth());
  const lng = Math.min(Math.max(area.getWest(), site.getWest()), site.getEast());
  return L.latLng(lat, lng);
}

function flightIcon(f) {
  const box = el("div", "flight-label", `✈ ${f.id}`);
  box.dataset.flight = f.id;
  return L.divIcon({ className: "flight-label-icon", html: box, iconSize: null });
}

function flightTooltip(p) {
  const box = el("div", "tip");
  box.append(el("strong", null, `${w("flight")} ${p.id}`), el("div", null, w(`purpose_${p.purpose}`)),
    el("div", "tip-detail", `${p.operator} · ${p.aircraft}`),
    el("div", "tip-detail", `${fmtDateTime(p.start)} ${w("until")} ${fmtTime(p.end)} · ≤ ${fmtNum(p.max_altitude_m)} m`));
  return box;
}

/** Category word, and for a crowd estimate its count. */
function observationText(p) {
  const word = w(`cat_${p.category}`);
  return p.category === "crowd_estimate" && p.people !== null && p.people !== undefined
    ? `${word} ${fmtNum(p.people)} ${w("persons")}` : word;
}

function observationTitle(p) {
  return [observationText(p), p.time && fmtDateTime(p.time), p.flight_id, p.incident, p.description]
    .filter(Boolean).join(" · ");
}

/** A marker of an observation: its category's symbol and word (never colour alone). */
function observationIcon(feature) {
  const p = feature.properties;
  const box = el("div", `observation-marker obs-${p.category}`);
  box.dataset.observation = feature.id ?? p.id ?? "";
  box.dataset.category = p.category;
  const symbol = el("span", "observation-symbol", SYMBOLS[p.category] || "?");
  symbol.setAttribute("aria-hidden", "true");
  box.append(symbol, el("span", "observation-label", observationText(p)));
  return L.divIcon({ className: "observation-marker-icon", html: box, iconSize: null });
}
