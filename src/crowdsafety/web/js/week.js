// The week view: zones x days, the expected peak level per cell (the highest level the hourly
// P50 reaches that day) and the highest hourly chance of orange or worse, for staff planning.
import { has } from "./api.js";
import { FORECAST_ROUTE, fetchForecast, forecastLevel } from "./forecast.js";
import { LEVELS, el, fmtDay, fmtPct, levelBadge, localDay, shortName } from "./format.js";
import { t } from "./i18n.js";

const HOUR = 3600e3;
const DAYS = 7;

/** Forecasts change once an hour: keep the last week read, by its first hour and zones. */
const cache = { key: null, rows: null };

export async function renderWeek(container, state) {
  if (!has(FORECAST_ROUTE)) {
    container.replaceChildren(el("h2", null, t("week_title")), el("p", "note unavailable", t("not_available")));
    return;
  }
  const hour = Math.floor(state.anchor / HOUR) * HOUR;
  const views = state.views;
  const key = `${hour} ${views.map((v) => v.id).join(",")}`;
  if (cache.key !== key) {
    const end = new Date(hour + DAYS * 24 * HOUR);
    const rows = await Promise.all(views.map((v) => fetchForecast(v.id, new Date(hour), end)));
    Object.assign(cache, { key, rows });
  }
  const rows = cache.rows;
  const days = [];
  for (let d = 0; d < DAYS; d += 1) {
    const day = localDay(hour + d * 24 * HOUR);
    if (!days.some((x) => x.day === day)) days.push({ day, at: hour + d * 24 * HOUR });
  }
  const table = el("table", "week");
  const head = el("tr");
  head.append(el("th", null, t("zone")));
  for (const d of days) head.append(el("th", null, fmtDay(d.at)));
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  views.forEach((view, i) => {
    const row = el("tr");
    row.dataset.zone = view.id;
    const name = el("th", null, shortName(view.name));
    name.title = view.name;
    row.append(name);
    for (const d of days) row.append(cell(rows[i].filter((p) => localDay(p.t) === d.day), view));
    table.tBodies[0].append(row);
  });
  container.replaceChildren(el("h2", null, t("week_title")), table, el("p", "note", t("week_note")));
}

function cell(points, view) {
  const td = el("td");
  if (!points.length) {
    td.append(el("span", "note", "—"));
    return td;
  }
  const peak = points.map((p) => forecastLevel(p, view.thresholds)).reduce((a, b) => (LEVELS.indexOf(b) > LEVELS.indexOf(a) ? b : a));
  const chance = Math.max(...points.map((p) => p.chance));
  td.dataset.level = peak;
  const share = el("span", "week-chance", fmtPct(chance));
  share.title = t("chance_orange");
  td.append(levelBadge(peak), share);
  return td;
}
