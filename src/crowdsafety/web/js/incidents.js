// Incidents for the control room: markers on the map (a symbol and a word per category, never
// colour alone) and the list, newest first, with status and the actions assign, answer (what
// the reporter sees with the reference code) and resolve, each with a note (written to the
// decision log). Hidden for partners: the server refuses them incidents, the page does not ask.
import { getJSON, has, postJSON } from "./api.js";
import { el, fmtDateTime } from "./format.js";
import { lang } from "./i18n.js";
import { may } from "./session.js";
import { loadOperator, operatorFields } from "./operator.js";

const LIST_ROUTE = "/api/v1/incidents";
const ACTION_ROUTE = "/api/v1/incidents/{}/actions";
const SHOWN = 100;

/** Per category: a symbol for the marker and the list (with the word next to it). */
export const SYMBOLS = {
  harassment: "!", aggression: "⚡", theft: "€", overcrowding: "▦", medical: "✚", vandalism: "✖",
  environmental: "♻", other: "?",
};

const WORDS = {
  nl: {
    title: "Incidenten", none: "Geen incidenten.", assign: "Toewijzen", answer: "Antwoorden", resolve: "Afhandelen",
    note: "Notitie (aan wie, antwoord of hoe)", note_needed: "Schrijf een notitie.", who_needed: "Vul naam en rol in.",
    saved: "Vastgelegd.", who: "Naam", role: "Rol", line: "lijn", stop: "halte",
    status_new: "nieuw", status_assigned: "toegewezen", status_resolved: "afgehandeld",
    urgency_low: "laag", urgency_normal: "normaal", urgency_high: "hoog", urgency_emergency: "spoed",
    cat_harassment: "Intimidatie", cat_aggression: "Agressie", cat_theft: "Diefstal", cat_overcrowding: "Overvol",
    cat_medical: "Medisch", cat_vandalism: "Vandalisme", cat_environmental: "Milieu", cat_other: "Overig",
  },
  en: {
    title: "Incidents", none: "No incidents.", assign: "Assign", answer: "Answer", resolve: "Resolve",
    note: "Note (to whom, the answer, or how)", note_needed: "Write a note.", who_needed: "Fill in name and role.",
    saved: "Logged.", who: "Name", role: "Role", line: "line", stop: "stop",
    status_new: "new", status_assigned: "assigned", status_resolved: "resolved",
    urgency_low: "low", urgency_normal: "normal", urgency_high: "high", urgency_emergency: "emergency",
    cat_harassment: "Harassment", cat_aggression: "Aggression", cat_theft: "Theft", cat_overcrowding: "Overcrowded",
    cat_medical: "Medical", cat_vandalism: "Vandalism", cat_environmental: "Environmental", cat_other: "Other",
  },
};

function w(key) {
  return (WORDS[lang()] || WORDS.en)[key] ?? WORDS.en[key] ?? key;
}

/** The category's word. */
export function categoryName(category) {
  return w(`cat_${category}`);
}

/** Whether this key and server show incidents at all. */
export function showsIncidents(me) {
  return may(me, "incidents") && has(LIST_ROUTE);
}

/** The latest incidents (none for a key that may not see them). */
export async function loadIncidents(me) {
  return showsIncidents(me) ? getJSON(LIST_ROUTE, { limit: SHOWN }) : [];
}

/** The incidents with a place as map markers: a FeatureCollection for ``SiteMap.setIncidents``. */
export function incidentFeatures(incidents) {
  return {
    type: "FeatureCollection",
    features: incidents.filter((i) => i.point).map((i) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: i.point },
      properties: {
        ref: i.ref, kind: i.category, status: i.status, symbol: SYMBOLS[i.category] || "?",
        label: categoryName(i.category),
        title: `${categoryName(i.category)} · ${w(`status_${i.status}`)} · ${fmtDateTime(i.at)} · ${i.ref}`,
      },
    })),
  };
}

/** Render the control room's list into ``container``; ``incidents`` newest first. */
export function renderIncidents(container, incidents, redraw) {
  if (container.contains(document.activeElement) && document.activeElement.matches("input")) return;
  const list = el("div", "incident-list");
  for (const incident of incidents) list.append(card(incident, redraw));
  if (!incidents.length) list.append(el("p", "note", w("none")));
  const desk = operatorFields("incident-operator", w);
  container.replaceChildren(el("h2", null, `${w("title")} (${incidents.length})`), desk, list);
}

function card(incident, redraw) {
  const item = el("article", `incident incident-${incident.status} urgency-${incident.urgency}`);
  item.dataset.ref = incident.ref;
  item.dataset.status = incident.status;
  const head = el("div", "incident-head");
  const symbol = el("span", `incident-symbol cat-${incident.category}`, SYMBOLS[incident.category] || "?");
  symbol.setAttribute("aria-hidden", "true");
  head.append(symbol, el("strong", null, categoryName(incident.category)),
    el("span", `incident-status status-${incident.status}`, w(`status_${incident.status}`)));
  item.append(head);
  const place = [incident.line && `${w("line")} ${incident.line}`,
    incident.stop_id && `${w("stop")} ${incident.stop_id}`, ...incident.zone_ids].filter(Boolean).join(", ");
  const meta = [fmtDateTime(incident.at), w(`urgency_${incident.urgency}`), incident.ref, place].filter(Boolean);
  item.append(el("p", "incident-meta", meta.join(" · ")));
  if (incident.description) item.append(el("p", "incident-text", incident.description));
  if (incident.status === "resolved") return item;

  const feedback = el("span", "feedback");
  feedback.setAttribute("aria-live", "polite");
  const note = el("input");
  note.className = "reason";
  note.placeholder = w("note");
  note.setAttribute("aria-label", w("note"));
  const act = (action) => async () => {
    const who = loadOperator();
    if (!note.value.trim()) { feedback.textContent = w("note_needed"); note.focus(); return; }
    if (!who.who || !who.role) { feedback.textContent = w("who_needed"); return; }
    try {
      await postJSON(ACTION_ROUTE.replace("{}", encodeURIComponent(incident.ref)),
        { action, who: who.who, role: who.role, note: note.value.trim() });
      feedback.textContent = w("saved");
      note.blur();
      await redraw();
    } catch (err) {
      feedback.textContent = err.message;
    }
  };
  const actions = el("div", "actions");
  actions.append(note);
  for (const action of ["assign", "answer", "resolve"]) {
    const b = el("button", `act act-${action}`, w(action));
    b.type = "button";
    b.dataset.action = action;
    b.addEventListener("click", act(action));
    actions.append(b);
  }
  actions.append(feedback);
  item.append(actions);
  return item;
}
