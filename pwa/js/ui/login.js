// First login on a device: enroll it (online only) and download the reference data.
import { t } from "../i18n.js";
import { h, toast } from "../dom.js";
import { enroll, refreshReference } from "../api.js";
import { saveEnrollment } from "../session.js";
import { startSync, syncNow } from "../sync-client.js";
import { getStore, storageInfo } from "../db.js";

export async function render(root) {
  const msg = h("p", { class: "form-error", role: "alert", id: "login-error" });
  const user = h("input", {
    id: "username",
    name: "username",
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    autofocus: true,
  });
  const pass = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const dev = h("input", { id: "device_name", name: "device_name", required: true, value: guessDeviceName() });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("login.submit"));
  const form = h(
    "form",
    { class: "card narrow", id: "login-form" },
    h("h1", {}, t("login.title")),
    h("p", { class: "hint" }, t("login.hint")),
    h("label", { for: "username" }, t("login.username")),
    user,
    h("label", { for: "password" }, t("login.password")),
    pass,
    h("label", { for: "device_name" }, t("login.device")),
    dev,
    msg,
    submit,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = "";
    if (!navigator.onLine) {
      msg.textContent = t("login.offline");
      return;
    }
    const previous = (await (await getStore()).getMeta("user"))?.username;
    if (previous && previous !== user.value.trim()) {
      // Unsent work belongs to the officer who made it: never push it under another account.
      msg.textContent = t("login.other_officer", { name: previous });
      return;
    }
    submit.disabled = true;
    try {
      const res = await enroll(user.value.trim(), pass.value, dev.value.trim());
      if (res.status !== 201 && res.status !== 200) {
        msg.textContent = res.body?.message || t("login.failed");
        return;
      }
      await saveEnrollment(res.body);
      await refreshReference();
      storageInfo(true).catch(() => {});
      startSync().then(() => syncNow("login"));
      toast(t("login.welcome", { name: res.body.user?.full_name || res.body.user?.username || "" }));
      location.hash = "#/";
    } catch (err) {
      msg.textContent = `${t("login.failed")} (${err.message})`;
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
}

function guessDeviceName() {
  const ua = navigator.userAgent;
  const m = /Android[^;]*;\s*([^;)]+)/.exec(ua);
  return (m ? m[1] : "Tablet").trim().slice(0, 60);
}
