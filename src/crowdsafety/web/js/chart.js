// The zone chart, drawn as SVG: the level thresholds as background bands, observed values as a
// line, the forecast as its P50 line inside the P10-P90 band, and lines for now and the slider.
import { LEVEL_COLOUR, LEVELS, fmtNum, fmtTime, fmtDay, levelWord } from "./format.js";
import { t } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";
const W = 640;
const H = 260;
const PAD = { left: 52, right: 64, top: 22, bottom: 34 };
const HOUR = 3600e3;

function svg(tag, attrs, parent) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * Draw into ``container`` (emptied first). ``data``: {start, end, now, cursor (ms or null),
 * unit, thresholds {yellow, orange, red} in the unit, observed [{t, v}], forecast [{t, p10, p50, p90}]}.
 */
export function drawChart(container, data) {
  container.replaceChildren();
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
    "aria-label": `${t("observed")} / ${t("p50")} (${data.unit})` }, container);
  const values = [
    ...data.observed.map((p) => p.v), ...data.forecast.map((p) => p.p90 ?? p.p50),
    data.thresholds ? data.thresholds.red * 1.15 : 0,
  ].filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  const top = niceCeil(Math.max(1, ...values) * 1.08);
  const x = (ms) => PAD.left + ((ms - data.start) / (data.end - data.start)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (Math.min(v, top) / top) * (H - PAD.top - PAD.bottom);

  if (data.thresholds) bands(root, data.thresholds, top, y);
  axes(root, data, top, x, y);

  const band = data.forecast.filter((p) => p.p10 !== null && p.p90 !== null && p.p10 !== undefined);
  if (band.length) {
    const upper = band.map((p) => `${x(p.t)},${y(p.p90)}`);
    const lower = band.map((p) => `${x(p.t)},${y(p.p10)}`).reverse();
    svg("polygon", { points: [...upper, ...lower].join(" "), class: "chart-band" }, root);
  }
  line(root, data.forecast.map((p) => [p.t, p.p50]), x, y, "chart-p50");
  line(root, data.observed.map((p) => [p.t, p.v]), x, y, "chart-observed");

  marker(root, x(data.now), "chart-now", t("now"));
  if (data.cursor !== null && data.cursor !== undefined && Math.abs(data.cursor - data.now) > 60e3) {
    marker(root, x(data.cursor), "chart-cursor", fmtTime(data.cursor));
  }
  legend(container, data);
  return root;
}

function bands(root, th, top, y) {
  const edges = [0, th.yellow, th.orange, th.red, Infinity];
  LEVELS.forEach((level, i) => {
    const lo = Math.min(edges[i], top);
    const hi = Math.min(edges[i + 1], top);
    if (hi <= lo) return;
    svg("rect", { x: PAD.left, width: W - PAD.left - PAD.right, y: y(hi), height: y(lo) - y(hi),
      fill: LEVEL_COLOUR[level], "fill-opacity": 0.22, class: `chart-level chart-level-${level}` }, root);
    const label = svg("text", { x: W - PAD.right + 4, y: (y(lo) + y(hi)) / 2 + 4, class: "chart-level-word" }, root);
    label.textContent = levelWord(level);
  });
}

function axes(root, data, top, x, y) {
  for (const v of ticks(top)) {
    svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "chart-grid" }, root);
    const label = svg("text", { x: PAD.left - 6, y: y(v) + 4, class: "chart-tick", "text-anchor": "end" }, root);
    label.textContent = fmtNum(v, v < 10 && v % 1 ? 2 : 0);
  }
  const span = data.end - data.start;
  const step = span > 4 * 24 * HOUR ? 24 * HOUR : span > 36 * HOUR ? 12 * HOUR : 6 * HOUR;
  for (let ms = Math.ceil(data.start / step) * step; ms <= data.end; ms += step) {
    svg("line", { x1: x(ms), x2: x(ms), y1: PAD.top, y2: H - PAD.bottom, class: "chart-grid" }, root);
    const label = svg("text", { x: x(ms), y: H - PAD.bottom + 16, class: "chart-tick", "text-anchor": "middle" }, root);
    label.textContent = step >= 24 * HOUR ? fmtDay(ms) : fmtTime(ms);
  }
  const unit = svg("text", { x: 4, y: 12, class: "chart-unit" }, root);
  unit.textContent = data.unit;
}

function line(root, points, x, y, cls) {
  let d = "";
  let pen = false;
  for (const [ms, v] of points) {
    if (v === null || v === undefined) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${x(ms).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  if (d) svg("path", { d, class: cls }, root);
}

function marker(root, at, cls, text) {
  if (at < PAD.left || at > W - PAD.right) return;
  svg("line", { x1: at, x2: at, y1: PAD.top, y2: H - PAD.bottom, class: cls }, root);
  const label = svg("text", { x: at + 3, y: PAD.top + 10, class: `${cls}-label` }, root);
  label.textContent = text;
}

function legend(container, data) {
  const list = document.createElement("ul");
  list.className = "chart-legend";
  const items = [["chart-key-observed", t("observed")]];
  if (data.forecast.length) items.push(["chart-key-p50", t("p50")], ["chart-key-band", t("band")]);
  for (const [cls, text] of items) {
    const item = document.createElement("li");
    const key = document.createElement("span");
    key.className = `chart-key ${cls}`;
    item.append(key, text);
    list.append(item);
  }
  container.append(list);
}

function niceCeil(v) {
  const power = 10 ** Math.floor(Math.log10(v));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * power).find((c) => c >= v);
}

function ticks(top) {
  const raw = top / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= top + 1e-9; v += step) out.push(v);
  return out;
}
