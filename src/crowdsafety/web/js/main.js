// The dashboard: signs in, then wires the map, the time slider, the panels and the live updates
// together.
import { getJSON, has, loadRoutes, onUnauthorised } from "./api.js";
import { renderAlerts } from "./alerts.js";
import { EventStream } from "./events.js";
import { FlightLayer, aerialBadge, loadFlights } from "./flights.js";
import { zoneForecastViews, FORECAST_ROUTE } from "./forecast.js";
import { LEVELS, el, fmtDateTime, fmtNum, guard, levelBadge, setTimeZone, shortName } from "./format.js";
import { initLang, lang, setLang, t, translateStatic } from "./i18n.js";
import { incidentFeatures, loadIncidents, renderIncidents, showsIncidents } from "./incidents.js";
import { SiteMap } from "./map.js";
import { forgetKey, onKeyHandedOver } from "./session.js";
import { signIn } from "./signin.js";
import { Timeline } from "./timeline.js";
import { viewOf } from "./views.js";
import { renderWeek } from "./week.js";
import { renderZonePanel } from "./zone-panel.js";

const POLL_MS = 30e3;
const ROUTES_ROUTE = "/api/v1/emergency-routes";

const state = {
  me: null, // the key in use (GET /api/v1/whoami): its role decides what is shown
  site: null,
  map: null,
  flights: null, // the drone layers of the map
  timeline: null,
  views: [],
  sensors: [],
  incidents: [], // the latest incidents (control room only)
  selected: null,
  tab: "zones",
  anchor: 0, // ms: the latest computed interval
  running: null, // the refresh under way
  again: false, // asked for another refresh while one runs
  live: null, // the event stream
  poll: null, // the polling timer where the server has no event stream
  signedOut: false,
};

async function loadZones(cursor) {
  const future = cursor !== null && cursor > state.anchor;
  if (future && has(FORECAST_ROUTE)) {
    const base = (await getJSON("/api/v1/zones")).features.map(viewOf);
    return zoneForecastViews(base, new Date(cursor));
  }
  const at = cursor === null ? null : new Date(cursor);
  const fc = await getJSON("/api/v1/zones", at ? { at } : undefined);
  return fc.features.map(viewOf);
}

/** Refresh now, or right after the refresh under way (updates never pile up or starve). */
function update() {
  if (state.running) {
    state.again = true;
    return state.running;
  }
  state.running = refresh().finally(() => {
    state.running = null;
    if (state.again) {
      state.again = false;
      guard(update());
    }
  });
  return state.running;
}

/** Fetch and redraw what depends on time: the zones, the list, the open panel. */
async function refresh() {
  const cursor = state.timeline.cursor();
  const [views, sensors, routes, incidents, flights] = await Promise.all([loadZones(cursor), getJSON("/api/v1/sensors"),
    has(ROUTES_ROUTE) ? getJSON(ROUTES_ROUTE) : null, loadIncidents(state.me), loadFlights(state.me)]);
  state.views = views;
  state.sensors = sensors;
  state.incidents = incidents;
  state.map.setIncidents(incidentFeatures(incidents));
  state.map.setZones(views);
  state.map.setSensors(sensors);
  state.flights.set(flights, views);
  if (routes) state.map.setRoutes(routes);
  renderZoneList();
  await renderTab();
}

function renderZoneList() {
  const body = document.querySelector("#zone-list tbody");
  body.replaceChildren();
  const forecast = state.views.some((v) => v.mode === "forecast");
  document.getElementById("zone-list").classList.toggle("forecast", forecast);
  for (const v of state.views) {
    const row = el("tr");
    row.dataset.zone = v.id;
    row.tabIndex = 0;
    if (v.id === state.selected) row.classList.add("selected");
    const name = el("td", "name", shortName(v.name));
    name.title = v.name;
    const level = el("td");
    level.append(levelBadge(v.level));
    const people = forecast ? fmtNum(v.p50) : v.people === null ? t("no_data") : fmtNum(v.people);
    const extra = forecast ? `${Math.round((v.chance ?? 0) * 100)}%` : t(`status_${v.status}`);
    const data = el("td", `status status-${v.status}`, extra);
    if (v.aerial && !forecast) data.append(" ", aerialBadge());  // how the zone is fed: from the air now
    row.append(level, name, el("td", "num", people), data);
    row.addEventListener("click", () => selectZone(v.id));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") selectZone(v.id); });
    body.append(row);
  }
  const heads = document.querySelectorAll("#zone-list thead th");
  heads[2].textContent = forecast ? t("p50") : t("people");
  heads[3].textContent = forecast ? t("chance_orange") : t("data");
}

function selectZone(id) {
  state.selected = id;
  state.map.select(id);
  for (const row of document.querySelectorAll("#zone-list tbody tr")) row.classList.toggle("selected", row.dataset.zone === id);
  showTab("zone");
}

function showTab(tab) {
  state.tab = tab;
  document.documentElement.dataset.tab = tab; // the week view widens the side panel
  state.map.sizeChanged();
  for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${tab}` && !document.documentElement.classList.contains("wall");
  guard(renderTab());
}

async function renderTab() {
  const wall = document.documentElement.classList.contains("wall");
  const jobs = [];
  if (!state.views.length) return; // before the first refresh
  if (wall && !state.selected) {
    selectZone(busiest(state.views).id); // renders the panels again
    return;
  }
  if (wall || state.tab === "zone") {
    const view = state.views.find((v) => v.id === state.selected);
    const panel = document.getElementById("panel-zone");
    if (view) jobs.push(renderZonePanel(panel, view, { sensors: state.sensors, anchor: state.anchor, cursor: state.timeline.cursor() ?? state.anchor }));
    else panel.replaceChildren(el("p", "note", t("pick_zone")));
  }
  if (wall || state.tab === "alerts") jobs.push(renderAlerts(document.getElementById("panel-alerts"), state));
  if (wall || state.tab === "week") jobs.push(renderWeek(document.getElementById("panel-week"), state));
  if ((wall || state.tab === "incidents") && showsIncidents(state.me)) {
    renderIncidents(document.getElementById("panel-incidents"), state.incidents, update);
  }
  await Promise.all(jobs);
}

/** The zone at the highest level, and of those the one with the most people. */
function busiest(views) {
  const rank = (v) => [LEVELS.indexOf(v.level), v.people ?? v.p50 ?? 0];
  return views.reduce((best, v) => {
    const [a, b] = [rank(v), rank(best)];
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]) ? v : best;
  });
}

function showClock() {
  const status = document.getElementById("clock");
  status.textContent = `${t("picture_at")} ${state.anchor ? fmtDateTime(state.anchor) : "—"}`;
}

function listen() {
  const badge = document.getElementById("live");
  if (has("/api/v1/events")) {
    state.live = new EventStream("/api/v1/events", { onState: (open) => badge.classList.toggle("on", open) });
    state.live.on("interval", (text) => {
      const data = JSON.parse(text);
      const latest = data.latest_interval ? Date.parse(data.latest_interval) : 0;
      if (latest === state.anchor) return;
      state.anchor = latest;
      state.timeline.setAnchor(latest);
      showClock();
      if (state.timeline.isLive()) guard(update());
    }).start();
    badge.dataset.i18nLabel = badge.dataset.i18nTitle = "live_on";
  } else {
    badge.dataset.i18nLabel = badge.dataset.i18nTitle = "live_off";
    state.poll = setInterval(async () => {
      const site = await getJSON("/api/v1/site").catch(() => null);
      if (!site || !site.latest_interval || Date.parse(site.latest_interval) === state.anchor) return;
      state.anchor = Date.parse(site.latest_interval);
      state.timeline.setAnchor(state.anchor);
      showClock();
      if (state.timeline.isLive()) guard(update());
    }, POLL_MS);
  }
  translateStatic(badge.parentElement);
}

async function background() {
  const names = has("/api/v1/site/layers") ? await getJSON("/api/v1/site/layers") : [];
  const layers = await Promise.all(names.filter((n) => n !== "zones")
    .map(async (name) => [name, await getJSON(`/api/v1/site/layers/${name}`)]));
  for (const [name, fc] of layers) state.map.addBackground(name, fc);
}

/** The key stopped working (a 401): stop the live updates and ask for a key again; with a good
 * key the page starts afresh. */
function signedOut() {
  if (state.signedOut) return;
  state.signedOut = true;
  if (state.live) state.live.close();
  clearInterval(state.poll);
  forgetKey();
  guard(signIn(t("key_expired")).then(() => location.reload()));
}

/** The key's role and name, discreetly in the header. */
function showWho() {
  const role = t(`role_${state.me.role}`);
  const who = document.getElementById("who");
  who.textContent = `${role} · ${state.me.name}`;
  who.title = `${t("signed_in_as")}: ${state.me.name} (${role}, ${t("key")} ${state.me.id})`;
}

function controls() {
  document.getElementById("sign-out").addEventListener("click", () => {
    forgetKey();
    location.reload();
  });
  for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  const language = document.getElementById("lang");
  language.value = lang();
  language.addEventListener("change", () => {
    setLang(language.value);
    translateStatic();
    state.map.relabel();
    state.timeline.relabel();
    showClock();
    showWho();
    guard(update());
  });
  const wall = document.getElementById("wall");
  wall.addEventListener("click", () => setWall(!document.documentElement.classList.contains("wall")));
  if (new URLSearchParams(location.search).get("view") === "wall") setWall(true);
}

function setWall(on) {
  document.documentElement.classList.toggle("wall", on);
  document.getElementById("wall").setAttribute("aria-pressed", String(on));
  for (const p of document.querySelectorAll(".panel")) p.hidden = !on && p.id !== `panel-${state.tab}`;
  state.map.sizeChanged(true);
  guard(renderTab());
}

async function start() {
  onKeyHandedOver(() => location.reload()); // start afresh with the new key
  initLang(Intl.DateTimeFormat().resolvedOptions().timeZone); // the site's is known once signed in
  translateStatic();
  [state.me] = await Promise.all([signIn(), loadRoutes()]); // the OpenAPI document needs no key
  onUnauthorised(signedOut);
  document.body.dataset.auth = "in";
  const site = await getJSON("/api/v1/site");
  state.site = site;
  state.anchor = site.latest_interval ? Date.parse(site.latest_interval) : Date.parse(site.now);
  setTimeZone(site.timezone);
  initLang(site.timezone);
  translateStatic();
  document.getElementById("site-name").textContent = site.name;
  document.title = `${site.name} · ${t("title")}`;
  state.map = new SiteMap(document.getElementById("map"), site, selectZone);
  state.flights = new FlightLayer(state.map);
  state.timeline = new Timeline(document.getElementById("timeline"), {
    anchor: state.anchor, future: has(FORECAST_ROUTE), onChange: () => guard(update()),
  });
  document.querySelector('[data-tab="incidents"]').hidden = !showsIncidents(state.me);
  controls();
  showClock();
  showWho();
  await Promise.all([background(), update()]);
  performance.mark("dashboard-ready");
  document.body.dataset.ready = "true";
  listen();
}

guard(start());
