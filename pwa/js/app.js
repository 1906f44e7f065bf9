// Entry point: strings, the lock, storage, service worker, session, routes.
import { loadStrings, setTimeZone, t } from "./i18n.js";
import { getStore, getOfficers, isUnlocked, lock, storageInfo, isQuotaError } from "./db.js";
import { h, clear, toast } from "./dom.js";
import { registerServiceWorker } from "./sw-register.js";
import { startSync, stopSync, onSyncEvent } from "./sync-client.js";
import { renderHeader, refreshHeader } from "./ui/header.js";
import { wipeDevice, saveFieldAppSettings } from "./session.js";
import { getJson } from "./api.js";
import { watchIdle, setIdleSeconds, noteActivity } from "./idle.js";

const ROUTES = [
  [/^#\/login$/, () => import("./ui/login.js")],
  [/^#\/new\/([^/]+)$/, () => import("./ui/form.js")],
  [/^#\/edit\/([^/]+)$/, () => import("./ui/form.js")],
  [/^#\/r\/([^/]+)$/, () => import("./ui/record.js")],
  [/^#\/receipt\/([^/]+)$/, () => import("./ui/receipt.js")],
  [/^#\/(?:feedback|survey)\/([^/]+)$/, () => import("./ui/citizen.js")],
  [/^#\/settings$/, () => import("./ui/settings.js")],
  [/^#\/new$/, () => import("./ui/list.js")],
  [/^#?\/?$/, () => import("./ui/list.js")],
];

const main = () => document.getElementById("main");
let leaveGuard = null;

/** A view may refuse to be left (unsaved form): it returns a message to confirm. */
export function setLeaveGuard(fn) {
  leaveGuard = fn;
}

let generation = 0;
let revoked = false;

/** Which view the hash asks for; while locked only the lock screen and the login. */
async function pick(hash) {
  if (!isUnlocked() && hash !== "#/login") return { view: await import("./ui/lock.js"), params: [] };
  for (const [re, load] of ROUTES) {
    const m = re.exec(hash);
    if (m) return { view: await load(), params: m.slice(1) };
  }
  return null;
}

async function route() {
  // Renders can overlap (a hash change while a finished sync refreshes the list): each one
  // draws off-screen and only the newest is shown.
  const mine = ++generation;
  if (revoked) return; // the revocation notice stays until dismissed
  const hash = location.hash || "#/";
  document.body.dataset.locked = isUnlocked() ? "0" : "1";
  const store = isUnlocked() ? await getStore() : null;
  if (store && !(await store.getMeta("token")) && hash !== "#/login") {
    location.replace("#/login");
    return;
  }
  const picked = await pick(hash);
  if (!picked) {
    location.replace("#/");
    return;
  }
  const root = document.createElement("div");
  try {
    await picked.view.render(root, { params: picked.params, hash, store, onUnlocked: unlocked });
  } catch (err) {
    if (mine === generation) showError(err);
  }
  if (mine !== generation) return;
  main().replaceChildren(...root.childNodes);
  const first = main().querySelector("[autofocus]");
  (first || main()).focus({ preventScroll: true });
  refreshHeader();
}

/** After an unlock: sync, the storage request, the server's current settings; then route. */
async function unlocked() {
  noteActivity();
  const store = await getStore();
  const damaged = store.damaged.length;
  if (damaged) toast(t("lock.damaged", { n: damaged }), { kind: "error", ms: 15000 });
  // queued mutations are opened when first read (by a sync): say so if one fails its check then
  store.onDamaged(() => toast(t("lock.damaged", { n: 1 }), { kind: "error", ms: 15000 }));
  if (await store.getMeta("token")) {
    storageInfo(true).catch(() => {});
    startSync();
    refreshSettings();
  }
  if (location.hash === "#/login") location.replace("#/");
  await route();
}

async function refreshSettings() {
  if (!navigator.onLine) return;
  try {
    const res = await getJson("/api/me");
    if (res.status === 200) await saveFieldAppSettings(res.body.field_app);
  } catch {
    // offline after all: the stored setting stays
  }
}

/** Lock now: sync stops, the key and every decrypted row leave memory, the screen clears. */
export function lockNow() {
  if (!isUnlocked()) return;
  stopSync();
  leaveGuard = null;
  lock();
  clear(main());
  route();
}

export function showError(err) {
  console.error(err);
  if (isQuotaError(err)) {
    toast(t("storage.full"), { kind: "error", ms: 15000 });
    return;
  }
  toast(`${t("error.generic")} ${err?.message || ""}`, { kind: "error" });
}

async function boot() {
  const officers = await getOfficers();
  await loadStrings((await officers.getSetting("lang")) || "id");
  setIdleSeconds(await officers.getSetting("lock_idle_seconds"));
  setTimeZone(await officers.getSetting("timezone"));
  renderHeader(document.getElementById("bar"), { lockNow });
  window.addEventListener("hashchange", () => {
    if (leaveGuard) {
      const msg = leaveGuard();
      if (msg && !confirm(msg)) return;
      leaveGuard = null;
    }
    route();
  });
  window.addEventListener("unhandledrejection", (e) => {
    if (isQuotaError(e.reason)) showError(e.reason);
  });
  window.addEventListener("beforeunload", (e) => {
    if (leaveGuard?.()) e.preventDefault();
  });
  registerServiceWorker();
  const next = () => {
    revoked = false;
    delete document.body.dataset.revoked;
    location.hash = "#/";
    route();
  };
  onSyncEvent(async (event) => {
    if (event === "revoked") {
      if (revoked) return; // the engine and the reference check may both report it
      revoked = true;
      generation++; // a render under way must not replace the notice
      const { othersLeft } = await wipeDevice();
      document.body.dataset.locked = "1";
      clear(main()).append(
        h(
          "section",
          { class: "card" },
          h("h2", {}, t("revoked.title")),
          h("p", {}, t(othersLeft ? "revoked.body_others" : "revoked.body")),
          othersLeft ? h("button", { type: "button", class: "btn btn-primary", id: "revoked-next", onclick: next }, t("lock.unlock")) : null,
        ),
      );
      document.body.dataset.revoked = "1"; // last: the notice is on the screen
      return;
    }
    refreshHeader();
    if (event === "done" && /^#\/(r\/|$)|^#?$/.test(location.hash || "#/")) {
      // Refresh lists and record pages with what was pulled, but never a form in progress.
      route();
    }
  });
  watchIdle(isUnlocked, lockNow);
  await route();
  document.body.dataset.ready = "1";
}

boot().catch(showError);

// For the browser tests, which import this same module (the bundle, served and precached):
// the page's one store (the unlocked officer's partition the app itself uses) and the pieces
// they need to lay out an older tablet's database.
export { getStore };
export * as db from "./db.js";
export { openStore, SCHEMA } from "../core/store.js";
export { openDB } from "../vendor/idb.js";
