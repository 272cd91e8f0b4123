// Signing in: the key handed over or kept in this tab, else the sign-in form, until a key that
// may open the dashboard is in use. ``GET /api/v1/whoami`` checks a key and tells its role.
import { ApiError, getJSON, useKey } from "./api.js";
import { t } from "./i18n.js";
import { forgetKey, keepKey, may, takeKey } from "./session.js";

const WHOAMI = "/api/v1/whoami";

/** The key's record (``{id, name, role, party, ...}``) once a key valid for the dashboard is in
 * use; ``problem`` (text) is shown on the form first, e.g. why the last key stopped working. */
export async function signIn(problem = null) {
  const given = takeKey();
  if (given) {
    const checked = await check(given);
    if (checked.me) return checked.me;
    return ask(checked.problem, checked.retry ? given : "");
  }
  return ask(problem, "");
}

/** ``{me}`` for a key that may open the dashboard, else ``{problem, retry}`` (``retry``: the
 * key may be fine, the server could not be asked). */
async function check(key) {
  useKey(key);
  try {
    const me = await getJSON(WHOAMI);
    if (may(me, "dashboard")) {
      keepKey(key);
      return { me };
    }
    forget();
    return { problem: `${t("key_no_dashboard")} (${t(`role_${me.role}`)})` };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      forget();
      return { problem: t("key_invalid") };
    }
    return { problem: `${t("load_failed")}: ${err.message}`, retry: true };
  }
}

function forget() {
  useKey(null);
  forgetKey();
}

/** Show the form until a good key is given; answers its record. */
function ask(problem, prefill) {
  const box = document.getElementById("signin");
  const form = document.getElementById("signin-form");
  const input = document.getElementById("signin-key");
  const button = form.querySelector("button[type=submit]");
  document.body.dataset.auth = "out";
  box.hidden = false;
  input.value = prefill;
  showProblem(problem);
  input.focus();
  return new Promise((resolve) => {
    const submit = async (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) {
        showProblem(t("key_needed"));
        input.focus();
        return;
      }
      button.disabled = true;
      const checked = await check(key);
      button.disabled = false;
      if (!checked.me) {
        showProblem(checked.problem);
        input.select();
        return;
      }
      form.removeEventListener("submit", submit);
      input.value = "";
      showProblem(null);
      box.hidden = true;
      resolve(checked.me);
    };
    form.addEventListener("submit", submit);
  });
}

function showProblem(text) {
  const error = document.getElementById("signin-error");
  const input = document.getElementById("signin-key");
  error.textContent = text || "";
  error.hidden = !text;
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
