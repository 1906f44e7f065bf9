// Language, storage (persistence answer, used and free), export of unsynced work, logout.
import { t, loadStrings, lang } from "../i18n.js";
import { h, toast } from "../dom.js";
import { storageInfo, megabytes, getOfficers } from "../db.js";
import { syncNow } from "../sync-client.js";
import { logout } from "../session.js";
import { renderHeader } from "./header.js";

function blobToBase64(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(",")[1] || "");
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

export async function render(root, { store }) {
  const user = (await store.getMeta("user")) || {};
  const info = await storageInfo(false);
  const langSel = h(
    "select",
    { id: "lang" },
    h("option", { value: "id" }, "Bahasa Indonesia"),
    h("option", { value: "en" }, "English"),
  );
  langSel.value = lang;
  langSel.addEventListener("change", async () => {
    await (await getOfficers()).setSetting("lang", langSel.value); // device-wide: the lock screen speaks it too
    await loadStrings(langSel.value);
    renderHeader(document.getElementById("bar"));
    location.hash = "#/";
  });
  const persistText = !info.supported
    ? t("storage.unsupported")
    : info.persisted
      ? t("storage.persisted")
      : t("storage.not_persisted");
  const free = info.quota !== null && info.usage !== null ? info.quota - info.usage : null;
  const exportBtn = h(
    "button",
    {
      type: "button",
      class: "btn btn-secondary",
      id: "export",
      onclick: async () => {
        const data = await store.exportUnsynced(blobToBase64);
        const blob = new Blob([JSON.stringify(data)], { type: "application/json" });
        const a = h("a", {
          href: URL.createObjectURL(blob),
          download: `jemput-bola-outbox-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "")}.json`,
        });
        document.body.append(a);
        a.click();
        a.remove();
        toast(t("export.done", { n: data.outbox.length, p: data.photos.length }));
      },
    },
    t("export.button"),
  );
  const logoutBtn = h(
    "button",
    { type: "button", class: "btn btn-danger", id: "logout", onclick: () => doLogout(store) },
    t("logout.button"),
  );
  root.append(
    h("h1", {}, t("settings.title")),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("settings.account")),
      h("p", {}, `${user.full_name || ""} (${user.username || ""})`),
      h("p", { class: "muted" }, user.office?.name || user.office || ""),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("settings.language")),
      h("label", { for: "lang" }, t("settings.language")),
      langSel,
    ),
    h(
      "section",
      { class: "card", id: "storage" },
      h("h2", {}, t("storage.title")),
      h("p", { id: "persisted" }, persistText),
      h("p", { id: "usage" }, t("storage.usage", { used: megabytes(info.usage), free: megabytes(free) })),
      info.supported && !info.persisted
        ? h(
            "button",
            {
              type: "button",
              class: "btn btn-secondary",
              onclick: async () => {
                const r = await storageInfo(true);
                toast(r.persisted ? t("storage.persisted") : t("storage.not_persisted"));
              },
            },
            t("storage.ask"),
          )
        : null,
    ),
    h("section", { class: "card" }, h("h2", {}, t("export.title")), h("p", {}, t("export.body")), exportBtn),
    h("section", { class: "card" }, h("h2", {}, t("logout.title")), h("p", {}, t("logout.body")), logoutBtn),
  );
}

async function doLogout(store) {
  if (navigator.onLine) await syncNow("logout");
  const s = await store.summary();
  const drafts = s.records.filter((r) => r.draft).length;
  const photos = [...s.uploads.values()].reduce((a, b) => a + b, 0);
  if (s.outboxCount || drafts || photos) {
    const msg = t("logout.warn", { m: s.outboxCount, d: drafts, p: photos });
    if (!confirm(msg)) return;
  }
  await logout();
  location.hash = "#/";
  location.reload();
}
