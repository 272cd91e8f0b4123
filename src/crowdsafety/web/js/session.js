// The API key of this browser tab and what its role may see.
// The key comes from the address's fragment (``#key=...``, which browsers never send to the
// server; it is wiped from the address bar at once) or from this tab's sessionStorage. It is
// kept in sessionStorage only: never localStorage, never a cookie, never in a URL.

const STORE_KEY = "crowdsafety.key";

/** The key handed over in ``#key=...`` (removed from the address), else the one this tab keeps. */
export function takeKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("key");
  if (fragment.has("key")) {
    fragment.delete("key");
    const rest = fragment.toString();
    history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
  }
  if (given && given.trim()) return given.trim();
  try { return sessionStorage.getItem(STORE_KEY); } catch { return null; }
}

/** Call ``handler`` when a key is handed over in the fragment while the page is open (following
 * a link to the same page changes the fragment only: no reload, no new start). */
export function onKeyHandedOver(handler) {
  addEventListener("hashchange", () => {
    if (new URLSearchParams(location.hash.slice(1)).has("key")) handler();
  });
}

/** Keep ``key`` for this tab (until it is closed or someone signs out). */
export function keepKey(key) {
  try { sessionStorage.setItem(STORE_KEY, key); } catch { /* storage may be disabled: the key lives in memory only */ }
}

export function forgetKey() {
  try { sessionStorage.removeItem(STORE_KEY); } catch { /* storage may be disabled */ }
}

const CONTROL_ROOM = ["admin", "operator"];

/** Feature -> the roles that may use it (the server's rules, src/crowdsafety/api/auth.py; the
 * server refuses the others anyway, the page only hides what would be refused). */
const ALLOWED = {
  dashboard: ["admin", "operator", "partner"],
  decision_log: CONTROL_ROOM,
  alert_actions: CONTROL_ROOM, // acknowledge and close; a partner only moves its own measures on
  incidents: CONTROL_ROOM, // partners see no incidents
  flights: CONTROL_ROOM, // drone flights and their observations
};

/** Whether the key ``me`` (the answer of ``GET /api/v1/whoami``) may use ``feature``. */
export function may(me, feature) {
  return Boolean(me) && ALLOWED[feature].includes(me.role);
}
