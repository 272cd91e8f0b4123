// The forecast API (GET /api/v1/zones/{id}/forecast: per hour P10/P50/P90 in the zone's
// quantity, the median in its threshold unit, the chance of each level), read into plain series.
import { getJSON } from "./api.js";
import { levelOf } from "./format.js";
import { t } from "./i18n.js";

export const FORECAST_ROUTE = "/api/v1/zones/{}/forecast";
const HOUR = 3600e3;

/**
 * [{t (ms), p10, p50, p90 (in the zone's quantity), basis (P50 in the threshold unit), toBasis
 * (factor quantity -> threshold unit, or null), chance (of orange or worse, 0-1), quantity}]
 * for ``zoneId`` in [start, end).
 */
export async function fetchForecast(zoneId, start, end) {
  const rows = await getJSON(`/api/v1/zones/${encodeURIComponent(zoneId)}/forecast`, { start, end });
  return rows.map((r) => ({
    t: Date.parse(r.start), p10: r.p10, p50: r.p50, p90: r.p90, basis: r.p50_basis, quantity: r.quantity,
    toBasis: r.p50 > 0 ? r.p50_basis / r.p50 : null,
    chance: r.probabilities.orange + r.probabilities.red,
  }));
}

/** The unit word of a forecast quantity. */
export function quantityUnit(quantity) {
  return quantity === "passes_per_hour" ? t("per_hour") : t("persons");
}

/** The level of a forecast hour: the level its P50 reaches against the zone's thresholds. */
export function forecastLevel(point, thresholds) {
  return point ? levelOf(point.basis, thresholds) : null;
}

/** The zone views at the future time ``at``: colour of the P50, chance of orange or worse. */
export async function zoneForecastViews(base, at) {
  const start = new Date(Math.floor(at.getTime() / HOUR) * HOUR);
  const end = new Date(start.getTime() + HOUR);
  return Promise.all(base.map(async (v) => {
    const [p] = await fetchForecast(v.id, start, end);
    return {
      ...v, mode: "forecast", level: forecastLevel(p, v.thresholds), p10: p?.p10 ?? null, p50: p?.p50 ?? null,
      p90: p?.p90 ?? null, chance: p?.chance ?? null, unit: p ? quantityUnit(p.quantity) : null, start: start.getTime(),
    };
  }));
}
