// The public page: per area a colour with its word and the advice; no counts, no incidents.
// It needs no key: it reads only /api/v1/public/* (the site, its map layers, the advice).
import { getJSON, has, loadRoutes } from "./api.js";
import { LEVELS, el, fmtDateTime, guard, levelBadge, setTimeZone } from "./format.js";
import { initLang, lang, setLang, t, translateStatic } from "./i18n.js";
import { SiteMap } from "./map.js";

const ADVICE_ROUTE = "/api/v1/public/advice";
const SITE_ROUTE = "/api/v1/public/site";
const LAYERS_ROUTE = "/api/v1/public/layers"; // their names; each at LAYERS_ROUTE/{name}
const REFRESH_MS = 60e3;
const page = { site: null, map: null, zones: [], advice: null };

function localised(group, key) {
  return group[`${key}_${lang()}`] ?? group[`${key}_en`];
}

function render() {
  const list = document.getElementById("advice");
  list.replaceChildren();
  if (!page.advice) {
    list.append(el("li", "note unavailable", `${t("advice")}: ${t("not_available")}`));
    page.map.setZones(page.zones.map((z) => ({ ...z, level: null })));
    return;
  }
  const colour = new Map(page.advice.groups.map((g) => [g.group, g.colour === "unknown" ? null : g.colour]));
  page.map.setZones(page.zones.map((z) => ({ ...z, level: colour.get(z.group) ?? null })));
  const rank = (g) => LEVELS.indexOf(colour.get(g.group) ?? null);
  const busiestFirst = [...page.advice.groups].sort((a, b) => rank(b) - rank(a));
  // A notice of a measure in force for several areas is shown once, above them.
  const seen = new Map();
  for (const group of busiestFirst) for (const n of localised(group, "notices")) seen.set(n, (seen.get(n) || 0) + 1);
  const general = [...seen].filter(([, count]) => count > 1).map(([n]) => n);
  const box = document.getElementById("notices");
  box.replaceChildren(...general.map((n) => el("li", null, n)));
  box.hidden = !general.length;
  for (const group of busiestFirst) {
    const item = el("li");
    item.dataset.group = group.group;
    item.append(levelBadge(colour.get(group.group)), el("strong", null, localised(group, "name")));
    const own = localised(group, "notices").filter((n) => !general.includes(n));
    for (const line of [localised(group, "message") || t("advice_none"), ...own]) item.append(el("span", "advice-text", line));
    list.append(item);
  }
  document.getElementById("updated").textContent = fmtDateTime(page.advice.at);
}

async function update() {
  page.advice = has(ADVICE_ROUTE) ? await getJSON(ADVICE_ROUTE) : null;
  render();
}

async function start() {
  [page.site] = await Promise.all([getJSON(SITE_ROUTE), loadRoutes()]);
  setTimeZone(page.site.timezone);
  initLang(page.site.timezone);
  translateStatic();
  document.getElementById("site-name").textContent = page.site.name;
  document.title = `${page.site.name} · ${t("public_title")}`;
  page.map = new SiteMap(document.getElementById("map"), page.site, () => {}, { details: false });
  const names = has(LAYERS_ROUTE) ? await getJSON(LAYERS_ROUTE) : ["zones"]; // zone outlines only
  const [zones, ...background] = await Promise.all(["zones", ...names.filter((n) => n !== "zones")]
    .map((name) => getJSON(`${LAYERS_ROUTE}/${name}`).then((fc) => [name, fc])));
  for (const [name, fc] of background) page.map.addBackground(name, fc);
  page.zones = zones[1].features.map((f) => ({
    id: f.properties.id, name: f.properties.name, group: f.properties.group || f.properties.id,
    geometry: f.geometry, mode: "public",
  }));
  const language = document.getElementById("lang");
  language.value = lang();
  language.addEventListener("change", () => {
    setLang(language.value);
    translateStatic();
    page.map.relabel();
    render();
  });
  await update();
  document.body.dataset.ready = "true";
  setInterval(() => guard(update()), REFRESH_MS);
}

guard(start());
