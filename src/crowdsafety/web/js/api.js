// The API client. Which optional routes this server has is read once from its OpenAPI
// document, so the page never asks for a route that is not there (no 404s, no console errors).
// Every request carries the key given to ``useKey`` in an ``Authorization`` header (never in the
// URL); a 401 answer is reported to the handler given to ``onUnauthorised``.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

let routes = null;
let key = null;
let unauthorised = () => {};

/** Send ``value`` (an API key, or null for none) with every request from now on. */
export function useKey(value) {
  key = value;
}

/** Call ``handler`` whenever the server answers 401 (the key is missing, wrong or revoked). */
export function onUnauthorised(handler) {
  unauthorised = handler;
}

/** ``extra`` headers plus the key's ``Authorization`` header. */
export function authHeaders(extra = {}) {
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** Call when a request was answered 401. */
export function reportUnauthorised() {
  unauthorised();
}

/** Read the server's routes; call once before ``has``. */
export async function loadRoutes() {
  const spec = await getJSON("/openapi.json");
  routes = new Set(Object.entries(spec.paths || {}).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${normalise(path)}`)));
}

function normalise(path) {
  return path.replace(/\{[^}]*\}/g, "{}");
}

/** Whether the server has ``method`` ``path`` (path parameters written as ``{}``). */
export function has(path, method = "GET") {
  return routes !== null && routes.has(`${method} ${normalise(path)}`);
}

function withQuery(url, params) {
  if (!params) return url;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) query.set(name, value instanceof Date ? value.toISOString() : value);
  }
  const text = query.toString();
  return text ? `${url}?${text}` : url;
}

async function answer(response) {
  if (response.ok) return response.status === 204 ? null : response.json();
  let detail = null;
  try { detail = (await response.json()).detail; } catch { /* not JSON */ }
  if (response.status === 401) reportUnauthorised();
  throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
}

export async function getJSON(url, params) {
  return answer(await fetch(withQuery(url, params), { headers: authHeaders({ Accept: "application/json" }) }));
}

export async function postJSON(url, body) {
  return answer(await fetch(url, {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
    body: JSON.stringify(body),
  }));
}
