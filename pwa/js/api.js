// HTTP to the server. The device token is kept in IndexedDB (never a cookie) and sent as
// Authorization: Bearer on every device call.
import { getStore } from "./db.js";

export async function authHeaders() {
  const token = await (await getStore()).getMeta("token");
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** POST JSON; answers {status, headers, body} and throws only on network failure. */
export async function postJson(path, body, { auth = true } = {}) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json",
    ...(auth ? await authHeaders() : {}),
  };
  const res = await fetch(path, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => ({})) };
}

export async function getJson(path, { etag } = {}) {
  const headers = { Accept: "application/json", ...(await authHeaders()) };
  if (etag) headers["If-None-Match"] = etag;
  const res = await fetch(path, { headers, credentials: "omit", cache: "no-store" });
  // A 304 has an empty body, but it is read all the same: a body left unread is cancelled
  // later, and Chromium lists the request as aborted (net::ERR_ABORTED).
  const text = await res.text().catch(() => "");
  const body = res.status === 304 ? null : parseJson(text);
  return { status: res.status, headers: res.headers, body };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export async function enroll(username, password, deviceName) {
  return postJson("/api/devices/enroll", { username, password, device_name: deviceName }, { auth: false });
}

/** Download the reference data (permit types with their forms, regions) if it changed. */
export async function refreshReference() {
  const store = await getStore();
  const etag = await store.getReference("etag");
  const res = await getJson("/api/reference", { etag });
  if (res.status === 304) return false;
  if (res.status !== 200)
    throw Object.assign(new Error(res.body?.message || `HTTP ${res.status}`), { status: res.status, body: res.body });
  await store.saveReference(res.body, res.headers.get("ETag"));
  return true;
}
