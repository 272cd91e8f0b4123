// The live zone table: polls the API every 15 s. The full dashboard replaces this page.
"use strict";

const LEVEL_WORD = { green: "green", yellow: "yellow", orange: "orange", red: "red" };

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function fmt(value, digits) {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

async function refresh() {
  const [site, zones] = await Promise.all([
    fetch("/api/v1/site").then((r) => r.json()),
    fetch("/api/v1/zones").then((r) => r.json()),
  ]);
  document.getElementById("site-name").textContent = site.name;
  document.getElementById("clock").textContent =
    "Picture at " + (site.latest_interval ? new Date(site.latest_interval).toLocaleString("nl-NL", { timeZone: site.timezone }) : "—") +
    " (" + site.timezone + ")";
  const body = document.querySelector("#zones tbody");
  body.replaceChildren();
  for (const feature of zones.features) {
    const p = feature.properties;
    const s = p.state;
    const row = document.createElement("tr");
    row.dataset.zone = p.id;
    cell(row, p.name);
    cell(row, s && s.people !== null ? Math.round(s.people).toString() : "no data", "num");
    cell(row, s ? fmt(s.density, 3) : "—", "num");
    const level = s && s.level ? s.level : null;
    const td = cell(row, "");
    const badge = document.createElement("span");
    badge.className = "level level-" + (level || "none");
    badge.textContent = level ? LEVEL_WORD[level] : "unknown";
    td.appendChild(badge);
    cell(row, s && s.service_level ? s.service_level : "—");
    cell(row, s ? s.status.replace("_", " ") : "no data", "status-" + (s ? s.status : "no_data"));
    cell(row, s ? s.sources.join(", ") : "");
    body.appendChild(row);
  }
}

refresh();
setInterval(refresh, 15000);
