// Formatting in the site's time zone and the page's language, the colour levels, and small
// DOM helpers.
import { lang, t } from "./i18n.js";

export const LEVELS = ["green", "yellow", "orange", "red"];

/** Okabe-Ito colours, safe for the common colour-vision deficiencies; always shown with the word. */
export const LEVEL_COLOUR = { green: "#009e73", yellow: "#f0e442", orange: "#e69f00", red: "#d55e00", none: "#b8b8b8" };

let siteZone = "UTC";

export function setTimeZone(tz) { siteZone = tz; }

const locale = () => (lang() === "nl" ? "nl-NL" : "en-GB");

export function fmtTime(t) {
  return new Date(t).toLocaleTimeString(locale(), { timeZone: siteZone, hour: "2-digit", minute: "2-digit" });
}

export function fmtDateTime(t) {
  return new Date(t).toLocaleString(locale(), {
    timeZone: siteZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

export function fmtDay(t) {
  return new Date(t).toLocaleDateString(locale(), { timeZone: siteZone, weekday: "short", day: "numeric", month: "short" });
}

/** The site-local calendar day of ``t`` as YYYY-MM-DD. */
export function localDay(t) {
  return new Date(t).toLocaleDateString("sv-SE", { timeZone: siteZone });
}

export function fmtNum(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return value.toLocaleString(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtPct(p) {
  return p === null || p === undefined ? "—" : `${Math.round(p * 100)}%`;
}

/** The level word, or "unknown". */
export function levelWord(level) {
  return t(`level_${LEVELS.includes(level) ? level : "none"}`);
}

/** The level of ``value`` against ``{yellow, orange, red}`` lower bounds (above a bound reaches it). */
export function levelOf(value, thresholds) {
  if (value === null || value === undefined || !thresholds) return null;
  if (value > thresholds.red) return "red";
  if (value > thresholds.orange) return "orange";
  if (value > thresholds.yellow) return "yellow";
  return "green";
}

/** A coloured badge with the level word: ``<span class="level level-orange">orange</span>``. */
export function levelBadge(level) {
  const span = el("span", `level level-${LEVELS.includes(level) ? level : "none"}`, levelWord(level));
  span.dataset.level = level || "none";
  return span;
}

/** A new element with class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** The short name of a zone: its name up to the first " (". */
export function shortName(name) {
  const cut = name.indexOf(" (");
  return cut > 0 ? name.slice(0, cut) : name;
}

/** Run ``promise``; a failure is shown in the page's #error box (never as a console error). */
export function guard(promise) {
  const box = document.getElementById("error");
  return promise.then(() => { box.hidden = true; }).catch((err) => {
    box.textContent = `${t("load_failed")}: ${err.message}`;
    box.hidden = false;
  });
}
