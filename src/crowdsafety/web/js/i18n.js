// Dutch and English labels.
// The language is, in order: ?lang=nl|en in the address, the choice saved in this browser, Dutch
// for a site in the Netherlands or Belgium (by its time zone), English otherwise.

const WORDS = {
  nl: {
    title: "Crowd Safety Manager",
    public_title: "Hoe druk is het nu?",
    level_green: "groen", level_yellow: "geel", level_orange: "oranje", level_red: "rood", level_none: "onbekend",
    health_ok: "in orde", health_stale: "verouderd", health_frozen: "bevroren", health_spike: "piek",
    health_no_data: "geen data",
    status_ok: "volledig", status_reduced: "beperkte data", status_no_data: "geen data",
    live: "Live", history: "Terugkijken", forecast: "Verwachting", now: "Nu",
    picture_at: "Beeld van", time: "Tijd", language: "Taal", wall: "Wandscherm",
    tab_zones: "Zones", tab_zone: "Zone", tab_alerts: "Meldingen", tab_week: "Week",
    tab_incidents: "Incidenten",
    people: "Aanwezig", density: "Dichtheid", flow: "Doorstroom", level: "Niveau", fruin: "Fruin",
    data: "Data", sensors: "Sensoren", sources: "Bronnen", zone: "Zone",
    persons: "personen", per_m2: "p/m²", per_m_min: "p/m/min",
    p50: "Verwacht (P50)", band: "P10–P90", chance_orange: "Kans op oranje of erger",
    observed: "Gemeten", no_data: "geen data",
    pick_zone: "Kies een zone op de kaart of in de lijst.",
    not_available: "Nog niet beschikbaar op deze server.",
    load_failed: "Laden mislukt",
    legend: "Legenda", sensor_health: "Sensorstatus", stops: "Haltes", coast: "Kust en straten",
    routes: "Calamiteitenroutes", zones_layer: "Zones", sensors_layer: "Sensoren", flights_layer: "Drones",
    open_alerts: "Open meldingen", no_alerts: "Geen open meldingen.", measures: "Maatregelen",
    due: "Uiterlijk", reason: "Reden", acknowledge: "Bevestigen",
    close: "Afsluiten", measure_started: "Gestart", measure_done: "Gereed", decision_log: "Besluitenlog",
    no_decisions: "Nog niets vastgelegd.", reason_needed: "Geef een reden op.", saved: "Vastgelegd.",
    since: "sinds", expected: "verwacht",
    week_title: "Verwachte piek per dag",
    advice: "Advies", advice_none: "Er is nu geen advies.", updated: "Bijgewerkt",
    public_note: "Deze pagina toont alleen drukteniveaus en advies, geen aantallen.",
    who: "Uw naam", role: "Uw rol", operator_needed: "Vul uw naam en rol in.", sensor: "Sensor",
    assignee: "Toegewezen aan", cleared: "situatie voorbij",
    alert_open: "open", alert_acknowledged: "bevestigd", alert_closed: "gesloten",
    kind_observed: "gemeten", kind_expected: "verwacht", kind_sensor: "sensor",
    measure_pending: "te doen", measure_started_state: "gestart", measure_done_state: "gereed",
    log_raised: "melding", log_escalated: "opgeschaald", log_lowered: "afgeschaald", log_cleared: "voorbij",
    log_acknowledged: "bevestigd", log_assigned: "toegewezen", log_closed: "gesloten",
    "log_measure-started": "maatregel gestart", "log_measure-done": "maatregel gereed",
    "log_key.created": "sleutel aangemaakt", "log_key.revoked": "sleutel ingetrokken",
    "log_observations.ingested": "waarnemingen ontvangen",
    week_note: "Piek: het hoogste niveau dat de verwachte mediaan (P50) van een uur die dag bereikt; percentage: de grootste kans op oranje of erger in een uur.",
    per_hour: "passanten/uur", no_forecast: "geen verwachting voor dit uur",
    route_clear: "vrij", route_crowded: "door drukte belemmerd",
    map: "Kaart", live_on: "live verbonden", live_off: "vernieuwt elke 30 s",
    signin_title: "Aanmelden", signin_label: "API-sleutel", signin_button: "Aanmelden",
    signin_note: "De sleutel blijft alleen in dit tabblad bewaard, tot u zich afmeldt of het sluit.",
    key_needed: "Vul een sleutel in.", key_invalid: "Sleutel niet geldig.",
    key_expired: "Uw sleutel is niet meer geldig; meld u opnieuw aan.",
    key_no_dashboard: "Met deze sleutel kunt u het dashboard niet openen", sign_out: "Afmelden",
    signed_in_as: "Aangemeld als", key: "sleutel",
    role_admin: "beheerder", role_operator: "operator", role_partner: "partner", role_sensor: "sensor",
    role_public: "publiek",
  },
  en: {
    title: "Crowd Safety Manager",
    public_title: "How busy is it now?",
    level_green: "green", level_yellow: "yellow", level_orange: "orange", level_red: "red", level_none: "unknown",
    health_ok: "ok", health_stale: "stale", health_frozen: "frozen", health_spike: "spike",
    health_no_data: "no data",
    status_ok: "complete", status_reduced: "reduced data", status_no_data: "no data",
    live: "Live", history: "History", forecast: "Forecast", now: "Now",
    picture_at: "Picture at", time: "Time", language: "Language", wall: "Wall screen",
    tab_zones: "Zones", tab_zone: "Zone", tab_alerts: "Alerts", tab_week: "Week",
    tab_incidents: "Incidents",
    people: "Present", density: "Density", flow: "Flow", level: "Level", fruin: "Fruin",
    data: "Data", sensors: "Sensors", sources: "Sources", zone: "Zone",
    persons: "persons", per_m2: "p/m²", per_m_min: "p/m/min",
    p50: "Expected (P50)", band: "P10–P90", chance_orange: "Chance of orange or worse",
    observed: "Observed", no_data: "no data",
    pick_zone: "Pick a zone on the map or in the list.",
    not_available: "Not available on this server yet.",
    load_failed: "Could not load",
    legend: "Legend", sensor_health: "Sensor health", stops: "Stops", coast: "Coast and streets",
    routes: "Emergency routes", zones_layer: "Zones", sensors_layer: "Sensors", flights_layer: "Drones",
    open_alerts: "Open alerts", no_alerts: "No open alerts.", measures: "Measures",
    due: "Due", reason: "Reason", acknowledge: "Acknowledge",
    close: "Close", measure_started: "Started", measure_done: "Done", decision_log: "Decision log",
    no_decisions: "Nothing logged yet.", reason_needed: "Give a reason.", saved: "Logged.",
    since: "since", expected: "expected",
    week_title: "Expected peak per day",
    advice: "Advice", advice_none: "No advice right now.", updated: "Updated",
    public_note: "This page shows crowding levels and advice only, no counts.",
    who: "Your name", role: "Your role", operator_needed: "Fill in your name and role.", sensor: "Sensor",
    assignee: "Assigned to", cleared: "condition over",
    alert_open: "open", alert_acknowledged: "acknowledged", alert_closed: "closed",
    kind_observed: "observed", kind_expected: "expected", kind_sensor: "sensor",
    measure_pending: "to do", measure_started_state: "started", measure_done_state: "done",
    log_raised: "raised", log_escalated: "escalated", log_lowered: "lowered", log_cleared: "cleared",
    log_acknowledged: "acknowledged", log_assigned: "assigned", log_closed: "closed",
    "log_measure-started": "measure started", "log_measure-done": "measure done",
    "log_key.created": "key created", "log_key.revoked": "key revoked",
    "log_observations.ingested": "observations received",
    week_note: "Peak: the highest level the expected median (P50) of an hour reaches that day; percentage: the highest chance of orange or worse in an hour.",
    per_hour: "passes/hour", no_forecast: "no forecast for this hour",
    route_clear: "clear", route_crowded: "obstructed by crowding",
    map: "Map", live_on: "live", live_off: "refreshes every 30 s",
    signin_title: "Sign in", signin_label: "API key", signin_button: "Sign in",
    signin_note: "The key is kept in this tab only, until you sign out or close it.",
    key_needed: "Enter a key.", key_invalid: "Key not valid.",
    key_expired: "Your key is no longer valid; sign in again.",
    key_no_dashboard: "This key cannot open the dashboard", sign_out: "Sign out",
    signed_in_as: "Signed in as", key: "key",
    role_admin: "admin", role_operator: "operator", role_partner: "partner", role_sensor: "sensor",
    role_public: "public",
  },
};

const DUTCH_ZONES = new Set(["Europe/Amsterdam", "Europe/Brussels"]);
const KEY = "crowdsafety.lang";
let current = "en";

/** Pick the language for a site with IANA ``timezone`` (see the rule at the top). */
export function initLang(timezone) {
  const asked = new URLSearchParams(location.search).get("lang");
  let saved = null;
  try { saved = localStorage.getItem(KEY); } catch { /* storage may be disabled */ }
  current = [asked, saved].find((l) => l in WORDS) || (DUTCH_ZONES.has(timezone) ? "nl" : "en");
  document.documentElement.lang = current;
  return current;
}

export function lang() { return current; }

export function setLang(value) {
  if (!(value in WORDS)) return;
  current = value;
  document.documentElement.lang = value;
  try { localStorage.setItem(KEY, value); } catch { /* storage may be disabled */ }
}

/** The label for ``key`` in the current language (the key itself when unknown). */
export function t(key) {
  return WORDS[current][key] ?? WORDS.en[key] ?? key;
}

/** Fill every element with ``data-i18n`` (text), ``data-i18n-label`` (aria-label) or
 * ``data-i18n-title`` (title). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}
