// The header: how many applications wait, when the last sync succeeded, progress, and the
// "Sinkronkan sekarang" button.
import { t, dateTime } from "../i18n.js";
import { h, clear } from "../dom.js";
import { getStore } from "../db.js";
import { onSyncEvent, syncNow } from "../sync-client.js";

let els = null;
let running = false;
let lastError = null;

export function renderHeader(bar) {
  clear(bar);
  els = {
    status: h("p", { id: "sync-status", class: "sync-status", role: "status", "aria-live": "polite" }),
    progress: h("progress", { id: "sync-progress", max: 1, value: 0, hidden: true, "aria-label": t("sync.progress") }),
    button: h("button", { id: "sync-now", type: "button", class: "btn btn-sync", onclick: () => syncNow("button") }, t("sync.now")),
    net: h("span", { id: "net", class: "net" }),
  };
  bar.append(
    h("a", { href: "#/", class: "brand" }, h("img", { src: "icons/icon.svg", alt: "", width: 32, height: 32 }), h("span", {}, "Jemput Bola")),
    h("div", { class: "bar-sync" }, els.net, els.status, els.progress),
    h("nav", { class: "bar-nav", "aria-label": t("nav.label") }, els.button, h("a", { href: "#/settings", class: "btn btn-ghost", id: "nav-settings" }, t("nav.settings"))),
  );
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
    refreshHeader();
  });
  refreshHeader();
}

export async function refreshHeader() {
  if (!els) return;
  const store = await getStore().catch(() => null);
  if (!store) return;
  const token = await store.getMeta("token").catch(() => null);
  els.button.hidden = !token;
  const online = navigator.onLine;
  els.net.textContent = online ? t("net.online") : t("net.offline");
  els.net.className = `net ${online ? "net-on" : "net-off"}`;
  if (!token) {
    els.status.textContent = "";
    return;
  }
  const s = await store.summary();
  const waiting = s.records.filter((r) => !r.draft && ((s.pending.get(r.id) || 0) + (s.uploads.get(r.id) || 0) > 0)).length;
  const last = await store.getMeta("last_sync_at");
  const parts = [t("sync.waiting", { n: waiting })];
  parts.push(last ? t("sync.last", { when: dateTime(last) }) : t("sync.never"));
  if (running) parts.push(t("sync.running"));
  else if (lastError) parts.push(t(`sync.error.${lastError.kind}`) || lastError.error?.message);
  els.status.textContent = parts.join(" · ");
  els.status.dataset.waiting = String(waiting);
  els.button.disabled = running;
}
