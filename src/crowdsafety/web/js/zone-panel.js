// The zone panel: the zone's numbers, a chart of observed against forecast with the P10-P90
// band and the level thresholds, and the zone's sensors with their health.
import { getJSON, has } from "./api.js";
import { drawChart } from "./chart.js";
import { fetchForecast, FORECAST_ROUTE } from "./forecast.js";
import { el, levelBadge } from "./format.js";
import { t } from "./i18n.js";
import { zoneFacts } from "./views.js";

const HOUR = 3600e3;
/** The latest render asked of each panel, so a slow answer never overwrites a newer one. */
const renders = new WeakMap();

/** Chart unit and thresholds of a zone in that unit: persons, or p/m/min for a flow zone. */
function chartScale(view) {
  const th = view.thresholds;
  if (view.basis === "flow") return { unit: t("per_m_min"), thresholds: th, value: (s) => s.flow };
  const factor = view.basis === "density" ? view.area : 1;
  return {
    unit: t("persons"),
    thresholds: th && { yellow: th.yellow * factor, orange: th.orange * factor, red: th.red * factor },
    value: (s) => s.people,
  };
}

/**
 * Render the panel of ``view`` into ``container``. ``ctx``: {sensors, anchor (ms, the latest
 * interval), cursor (ms, the slider's time)}.
 */
export async function renderZonePanel(container, view, ctx) {
  const token = (renders.get(container) || 0) + 1;
  renders.set(container, token);
  const scale = chartScale(view);
  const start = ctx.anchor - 24 * HOUR;
  const end = has(FORECAST_ROUTE)
    ? Math.max(ctx.anchor + 24 * HOUR, Math.min((ctx.cursor ?? 0) + 6 * HOUR, ctx.anchor + 7 * 24 * HOUR))
    : ctx.anchor + HOUR;
  const [states, forecast] = await Promise.all([
    getJSON(`/api/v1/zones/${encodeURIComponent(view.id)}/states`, {
      start: new Date(start), end: new Date(ctx.anchor + 1),
    }),
    has(FORECAST_ROUTE) ? fetchForecast(view.id, new Date(ctx.anchor), new Date(end)) : Promise.resolve(null),
  ]);
  if (renders.get(container) !== token) return; // a newer render is under way

  const head = el("div", "panel-head");
  head.append(el("h2", null, view.name), levelBadge(view.level));
  const chartBox = el("div", "chart-box");
  // An hour's forecast is drawn at the middle of its hour.
  const series = forecast ? scaleForecast(forecast, view).map((p) => ({ ...p, t: p.t + HOUR / 2 })) : [];
  drawChart(chartBox, {
    start, end, now: ctx.anchor, cursor: ctx.cursor, unit: scale.unit, thresholds: scale.thresholds,
    observed: states.map((s) => ({ t: Date.parse(s.start), v: scale.value(s) })),
    forecast: series,
  });
  const note = el("p", "note", has(FORECAST_ROUTE) ? "" : `${t("forecast")}: ${t("not_available")}`);
  container.dataset.zone = view.id;
  container.replaceChildren(head, facts(view), chartBox, note, el("h3", null, t("sensors")), sensorList(view, ctx.sensors));
}

/** Forecast quantiles in the chart's unit: persons as issued, or for a flow zone passes per
 * hour turned into persons/m/min by the factor between its P50 and P50 in the threshold unit. */
function scaleForecast(points, view) {
  if (view.basis !== "flow") return points;
  const factor = points.find((p) => p.toBasis !== null)?.toBasis ?? 0;
  return points.map((p) => ({ t: p.t, p10: p.p10 * factor, p50: p.p50 * factor, p90: p.p90 * factor }));
}

function facts(view) {
  const list = el("dl", "facts");
  const rows = zoneFacts(view, true);
  for (const [k, v] of rows) list.append(el("dt", null, k), el("dd", null, v));
  return list;
}

/** The zone's installed sensors; a drone's estimate (kind aerial_estimate) is none: the facts
 * name it among the sources while it holds. */
function sensorList(view, sensors) {
  const list = el("ul", "sensor-list");
  for (const s of sensors.filter((x) => x.zones.includes(view.id) && x.kind !== "aerial_estimate")) {
    const item = el("li");
    item.dataset.sensor = s.id;
    item.append(el("span", `health-dot health-${s.health}`), el("span", null, s.name || s.id),
      el("span", `health health-${s.health}`, t(`health_${s.health}`)));
    if (s.health_detail) item.title = s.health_detail;
    list.append(item);
  }
  if (!list.children.length) list.append(el("li", "note", "—"));
  return list;
}
