// The alerts panel: open alerts with the measures due and their owners; acknowledge, close and
// mark measures started or done with a reason (each written to the decision log); the log.
// A partner key sees its own party's measures only (the server filters them), may move those on,
// and sees neither the log nor the acknowledge and close buttons.
import { getJSON, has, postJSON } from "./api.js";
import { el, fmtDateTime, fmtPct, fmtTime, levelBadge } from "./format.js";
import { t } from "./i18n.js";
import { may } from "./session.js";
import { loadOperator, operatorFields } from "./operator.js";

const ALERTS_ROUTE = "/api/v1/alerts";
const ACTION_ROUTE = "/api/v1/alerts/{}/actions";
const LOG_ROUTE = "/api/v1/decisions";
const LOG_SHOWN = 40;
const PAGE = 500;
/** Audit entries of routine data flow: kept in the log, not shown among the decisions. */
const ROUTINE = new Set(["observations.ingested", "retention.applied"]);

/** The decision log as read so far (entries come in seq order; only the last LOG_SHOWN kept). */
const log = { lastSeq: 0, entries: [], reading: null };
/** Alert id -> whether its measures are unfolded, as someone last left them. */
const unfolded = new Map();

/** Render the panel; ``state`` gives the key in use (``me``), and zone views and sensors to name
 * an alert's subject. */
export async function renderAlerts(container, state) {
  if (!has(ALERTS_ROUTE)) {
    container.replaceChildren(el("h2", null, t("open_alerts")), el("p", "note unavailable", t("not_available")));
    return;
  }
  const showLog = has(LOG_ROUTE) && may(state.me, "decision_log");
  const [alerts] = await Promise.all([getJSON(ALERTS_ROUTE), showLog ? readLog() : null]);
  const focused = container.contains(document.activeElement) && document.activeElement.matches("input");
  if (focused) return; // do not wipe what someone is typing; the next update redraws
  const list = el("div", "alert-list");
  alerts.forEach((alert, i) => list.append(alertCard(alert, state, () => renderAlerts(container, state), i === 0)));
  if (!alerts.length) list.append(el("p", "note", t("no_alerts")));
  const desk = operatorFields("operator", t);
  container.replaceChildren(el("h2", null, `${t("open_alerts")} (${alerts.length})`), desk, list);
  if (showLog) container.append(el("h3", null, t("decision_log")), logList());
}

/** Read the log's new entries (one reader at a time, so none is taken twice). */
function readLog() {
  log.reading ??= readNew().finally(() => { log.reading = null; });
  return log.reading;
}

async function readNew() {
  for (;;) {
    const page = await getJSON(LOG_ROUTE, { after_seq: log.lastSeq, limit: PAGE });
    if (page.length) {
      log.lastSeq = page[page.length - 1].seq;
      log.entries = log.entries.concat(page.filter((e) => !ROUTINE.has(e.action))).slice(-LOG_SHOWN);
    }
    if (page.length < PAGE) return;
  }
}

function subjectName(alert, state) {
  if (alert.kind === "sensor") {
    const sensor = state.sensors.find((s) => s.id === alert.subject);
    return `${t("sensor")}: ${sensor ? sensor.name : alert.subject}`;
  }
  const zone = state.views.find((v) => v.id === alert.subject);
  return zone ? zone.name : alert.subject;
}

function alertCard(alert, state, redraw, first) {
  const card = el("article", `alert level-border-${alert.level}`);
  card.dataset.alert = alert.id;
  card.dataset.status = alert.status;
  const head = el("div", "alert-head");
  head.append(levelBadge(alert.level), el("strong", null, subjectName(alert, state)),
    el("span", `alert-status status-${alert.status}`, t(`alert_${alert.status}`)));
  card.append(head);
  const meta = [`${t(`kind_${alert.kind}`)} · ${t("since")} ${fmtDateTime(alert.raised_at)}`];
  if (alert.kind === "expected" && alert.target_at) meta.push(`${t("expected")} ${fmtDateTime(alert.target_at)} (${fmtPct(alert.probability)})`);
  if (alert.assignee) meta.push(`${t("assignee")}: ${alert.assignee}`);
  if (!alert.active) meta.push(t("cleared"));
  card.append(el("p", "alert-meta", meta.join(" · ")));
  for (const reason of alert.reasons) card.append(el("p", "alert-reason", reason));

  const feedback = el("span", "feedback");
  feedback.setAttribute("aria-live", "polite");
  const reason = el("input");
  reason.className = "reason";
  reason.placeholder = t("reason");
  reason.setAttribute("aria-label", t("reason"));
  const act = (action, measureId) => async () => {
    const who = loadOperator();
    if (!reason.value.trim()) { feedback.textContent = t("reason_needed"); reason.focus(); return; }
    if (!who.who || !who.role) { feedback.textContent = t("operator_needed"); return; }
    try {
      await postJSON(ACTION_ROUTE.replace("{}", encodeURIComponent(alert.id)), {
        action, who: who.who, role: who.role, reason: reason.value.trim(), ...(measureId ? { measure_id: measureId } : {}),
      });
      feedback.textContent = t("saved");
      reason.blur();
      await redraw();
    } catch (err) {
      feedback.textContent = err.message;
    }
  };

  if (alert.measures.length) {
    const open = alert.measures.filter((m) => m.state !== "done").length;
    const details = el("details", "measures-box");
    details.open = unfolded.get(alert.id) ?? (first && open > 0);
    details.addEventListener("toggle", () => unfolded.set(alert.id, details.open));
    details.append(el("summary", null, `${t("measures")}: ${open} ${t("measure_pending")}, ${alert.measures.length - open} ${t("measure_done_state")}`));
    const measures = el("ul", "measures");
    for (const m of alert.measures) {
      const item = el("li", m.due_now && m.state !== "done" ? "due" : "");
      item.dataset.measure = m.id;
      item.append(el("div", "measure-title", m.title), el("div", "owner", `${m.owner_name} · ${t("due")} ${fmtTime(m.due_at)}`));
      const side = el("div", "measure-side");
      side.append(el("span", `measure-state measure-${m.state}`, t(m.state === "pending" ? "measure_pending" : `measure_${m.state}_state`)));
      if (m.state === "pending") side.append(button(t("measure_started"), "measure-started", act("measure-started", m.id)));
      if (m.state !== "done") side.append(button(t("measure_done"), "measure-done", act("measure-done", m.id)));
      item.append(side);
      measures.append(item);
    }
    details.append(measures);
    card.append(details);
  }
  const actions = el("div", "actions");
  actions.append(reason);
  const control = may(state.me, "alert_actions");
  if (control && alert.status === "open") actions.append(button(t("acknowledge"), "acknowledge", act("acknowledge")));
  if (control && alert.status !== "closed") actions.append(button(t("close"), "close", act("close")));
  actions.append(feedback);
  if (control || alert.measures.some((m) => m.state !== "done")) card.append(actions); // else nothing to act on
  return card;
}

function button(text, action, onClick) {
  const b = el("button", `act act-${action}`, text);
  b.type = "button";
  b.dataset.action = action;
  b.addEventListener("click", onClick);
  return b;
}

function logList() {
  const list = el("ol", "log");
  list.reversed = true;
  for (const e of [...log.entries].reverse()) {
    const item = el("li");
    item.dataset.seq = String(e.seq);
    item.dataset.action = e.action;
    const when = el("time", null, fmtDateTime(e.at));
    when.dateTime = e.at;
    const label = t(`log_${e.action}`);
    item.append(when, el("span", "who", `${e.who} (${e.role})`), ` ${label === `log_${e.action}` ? e.action : label}: ${e.reason}`);
    list.append(item);
  }
  if (!log.entries.length) list.append(el("li", "note", t("no_decisions")));
  return list;
}
