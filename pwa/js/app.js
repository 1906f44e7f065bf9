// Entry point: strings, storage, service worker, session, routes.
import { loadStrings, t } from "./i18n.js";
import { getStore, storageInfo, isQuotaError } from "./db.js";
import { h, clear, toast } from "./dom.js";
import { registerServiceWorker } from "./sw-register.js";
import { startSync, onSyncEvent } from "./sync-client.js";
import { renderHeader, refreshHeader } from "./ui/header.js";
import { wipeDevice } from "./session.js";

const ROUTES = [
  [/^#\/login$/, () => import("./ui/login.js")],
  [/^#\/new\/([^/]+)$/, () => import("./ui/form.js")],
  [/^#\/edit\/([^/]+)$/, () => import("./ui/form.js")],
  [/^#\/r\/([^/]+)$/, () => import("./ui/record.js")],
  [/^#\/receipt\/([^/]+)$/, () => import("./ui/receipt.js")],
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

async function route() {
  // Renders can overlap (a hash change while a finished sync refreshes the list): each one
  // draws off-screen and only the newest is shown.
  const mine = ++generation;
  const store = await getStore();
  const token = await store.getMeta("token");
  let hash = location.hash || "#/";
  if (!token && hash !== "#/login") {
    location.replace("#/login");
    return;
  }
  for (const [re, load] of ROUTES) {
    const m = re.exec(hash);
    if (!m) continue;
    const view = await load();
    const root = document.createElement("div");
    try {
      await view.render(root, { params: m.slice(1), hash, store });
    } catch (err) {
      if (mine === generation) showError(err);
    }
    if (mine !== generation) return;
    main().replaceChildren(...root.childNodes);
    const first = main().querySelector("[autofocus]");
    (first || main()).focus({ preventScroll: true });
    refreshHeader();
    return;
  }
  location.replace("#/");
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
  const store = await getStore();
  await loadStrings((await store.getMeta("lang")) || "id");
  renderHeader(document.getElementById("bar"));
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
  onSyncEvent(async (event) => {
    if (event === "revoked") {
      await wipeDevice();
      document.body.dataset.revoked = "1";
      clear(main()).append(
        h("section", { class: "card" }, h("h2", {}, t("revoked.title")), h("p", {}, t("revoked.body"))),
      );
      return;
    }
    refreshHeader();
    if (event === "done" && /^#\/(r\/|$)|^#?$/.test(location.hash || "#/")) {
      // Refresh lists and record pages with what was pulled, but never a form in progress.
      route();
    }
  });
  await route();
  if (await store.getMeta("token")) {
    storageInfo(true).catch(() => {});
    startSync();
  }
  document.body.dataset.ready = "1";
}

boot().catch(showError);
