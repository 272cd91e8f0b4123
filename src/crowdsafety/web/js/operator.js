// Who is at the desk: name and role, typed once and kept in this browser for the alerts and
// incidents panels (an operator's own words, not the API key).
import { el } from "./format.js";

const WHO_KEY = "crowdsafety.operator";

/** The name and role inputs; ``idPrefix`` keeps their ids apart per panel, ``label(key)`` gives
 * the placeholder and accessible name of "who" and "role". */
export function operatorFields(idPrefix, label) {
  const saved = loadOperator();
  const box = el("div", "operator actions");
  for (const key of ["who", "role"]) {
    const input = el("input");
    input.id = `${idPrefix}-${key}`;
    input.placeholder = label(key);
    input.setAttribute("aria-label", label(key));
    input.value = saved[key] || "";
    input.addEventListener("change", () => saveOperator({ ...loadOperator(), [key]: input.value.trim() }));
    box.append(input);
  }
  return box;
}

/** The saved {who, role} (empty when nothing is saved or storage is disabled). */
export function loadOperator() {
  try { return JSON.parse(localStorage.getItem(WHO_KEY)) || {}; } catch { return {}; }
}

function saveOperator(value) {
  try { localStorage.setItem(WHO_KEY, JSON.stringify(value)); } catch { /* storage may be disabled */ }
}
