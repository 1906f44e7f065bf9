// The header: how many applications wait, when the last sync succeeded, progress, and the
// "Sinkronkan sekarang" button.
import { t, dateTime } from "../i18n.js";
import { getStore, isUnlocked } from "../db.js";
import { onSyncEvent, syncNow } from "../sync-client.js";

let els = null;
let running = false;
let lastError = null;

export function renderHeader(bar, { lockNow } = {}) {
  // The header's elements are in index.html (so the first paint does not shift); this binds them.
  const $id = (id) => bar.querySelector(`#${id}`);
  const fresh = !els;
  els = {
    status: $id("sync-status"),
    progress: $id("sync-progress"),
    button: $id("sync-now"),
    net: $id("net"),
    settings: $id("nav-settings"),
    lock: $id("lock-now"),
  };
  els.button.textContent = t("sync.now");
  els.settings.textContent = t("nav.settings");
  els.lock.textContent = t("lock.now");
  els.progress.setAttribute("aria-label", t("sync.progress"));
  bar.querySelector("nav").setAttribute("aria-label", t("nav.label"));
  if (!fresh) {
    refreshHeader();
    return;
  }
  els.button.addEventListener("click", () => syncNow("button"));
  if (lockNow) els.lock.addEventListener("click", lockNow);
  window.addEventListener("online", refreshHeader);
  window.addEventListener("offline", refreshHeader);
  onSyncEvent((event, d) => {
    if (event === "start") {
      running = true;
      lastError = null;
      els.progress.hidden = false;
      els.progress.removeAttribute("value");
    } else if (event === "progress" && d.total) {
      els.progress.max = d.total;
      els.progress.value = d.done;
    } else if (event === "done") {
      running = false;
      els.progress.hidden = true;
    } else if (event === "error") {
      running = false;
      lastError = d;
      els.progress.hidden = true;
    }
    // Now, not after refreshHeader's IndexedDB reads: until then the header would still say
    // the previous sync's state while this one runs.
    els.status.dataset.running = running ? "1" : "0";
    els.button.disabled = running;
    refreshHeader();
  });
  refreshHeader();
}

export async function refreshHeader() {
  if (!els) return;
  const unlocked = isUnlocked();
  els.lock.classList.toggle("invisible", !unlocked);
  els.settings.classList.toggle("invisible", !unlocked);
  if (!unlocked) {
    els.button.classList.add("invisible");
    els.status.textContent = "";
    if (els.relogin) els.relogin.hidden = true;
  }
  const store = await getStore().catch(() => null);
  if (!store) return;
  const token = await store.getMeta("token").catch(() => null);
  els.button.classList.toggle("invisible", !token);
  const online = navigator.onLine;
  els.net.textContent = online ? t("net.online") : t("net.offline");
  els.net.className = `net ${online ? "net-on" : "net-off"}`;
  if (!token) {
    els.status.textContent = "";
    return;
  }
  const s = await store.summary();
  const waiting = s.records.filter(
    (r) => !r.draft && (s.pending.get(r.id) || 0) + (s.uploads.get(r.id) || 0) > 0,
  ).length;
  const last = await store.getMeta("last_sync_at");
  const parts = [t("sync.waiting", { n: waiting })];
  parts.push(last ? t("sync.last", { when: dateTime(last) }) : t("sync.never"));
  const clock = await store.getMeta("clock");
  if (clock?.flagged) parts.push(t("sync.clock", { s: Math.round(clock.skew_s / 60) }));
  if (running) parts.push(t("sync.running"));
  else if (lastError) parts.push(t(`sync.error.${lastError.kind}`) || lastError.error?.message);
  // A credential the server no longer accepts (but did not revoke): log in again, data kept.
  els.relogin ||= Object.assign(document.createElement("a"), {
    id: "relogin",
    href: "#/login",
    className: "btn btn-sync",
  });
  els.relogin.textContent = t("login.again");
  els.relogin.hidden = lastError?.kind !== "unauthorized";
  if (!els.relogin.isConnected) els.button.after(els.relogin);
  els.status.textContent = parts.join(" · ");
  els.status.dataset.waiting = String(waiting);
  els.status.dataset.lastSync = last || "";
  els.status.dataset.running = running ? "1" : "0";
  els.button.disabled = running;
}
