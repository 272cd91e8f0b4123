// A zone "view": what the map, the list and the panel show of a zone at the chosen time, built
// from the API's zone feature (observed) or its forecast; and the facts listed about it.
import { fmtNum, fmtPct } from "./format.js";
import { t } from "./i18n.js";

/** The view of a feature of ``GET /api/v1/zones`` (its latest state at the chosen time). */
export function viewOf(feature) {
  const p = feature.properties;
  const s = p.state || {};
  return {
    id: p.id, name: p.name, geometry: feature.geometry, basis: p.level_basis, thresholds: p.thresholds,
    area: p.area_m2, mode: "observed", level: s.level ?? null, people: s.people ?? null, density: s.density ?? null,
    flow: s.flow ?? null, status: s.status || "no_data", sources: s.sources || [], serviceLevel: s.service_level ?? null,
    start: s.start ? Date.parse(s.start) : null, aerial: Boolean(s.aerial),
  };
}

const missing = (v) => v === null || v === undefined;

/** [label, value] pairs about ``view``; ``detailed`` adds Fruin level and sources. */
export function zoneFacts(view, detailed) {
  if (view.mode === "forecast") {
    if (missing(view.p50)) return [[t("forecast"), t("no_forecast")]];
    return [[t("p50"), `${fmtNum(view.p50)} ${view.unit}`],
      [t("band"), `${fmtNum(view.p10)}–${fmtNum(view.p90)} ${view.unit}`], [t("chance_orange"), fmtPct(view.chance)]];
  }
  const rows = [
    [t("people"), missing(view.people) ? t("no_data") : `${fmtNum(view.people)} ${t("persons")}`],
    [t("density"), missing(view.density) ? "—" : `${fmtNum(view.density, view.density < 0.1 ? 3 : 2)} ${t("per_m2")}`],
  ];
  if (view.basis === "flow") rows.push([t("flow"), missing(view.flow) ? "—" : `${fmtNum(view.flow, 1)} ${t("per_m_min")}`]);
  if (detailed) rows.push([t("fruin"), view.serviceLevel || "—"]);
  rows.push([t("data"), t(`status_${view.status || "no_data"}`)]);
  if (detailed) rows.push([t("sources"), view.sources.join(", ") || "—"]);
  return rows;
}
