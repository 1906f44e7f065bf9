// First login of an officer on a tablet: enroll it (online only), choose the secret that
// locks this officer's partition (a PIN of 6+ digits, or the password), download the
// reference data. The unlocked officer logging in again (a forgotten credential) keeps
// their partition and secret.
import { t } from "../i18n.js";
import { h, toast } from "../dom.js";
import { enroll, refreshReference } from "../api.js";
import { saveEnrollment } from "../session.js";
import { startSync, stopSync, syncNow } from "../sync-client.js";
import { activeOfficer, addOfficer, getOfficers, storageInfo } from "../db.js";
import { pinMessage } from "./lock.js";

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
  const again = activeOfficer();
  const pin = h("input", { id: "pin", name: "pin", type: "password", inputmode: "numeric", autocomplete: "off" });
  const pin2 = h("input", { id: "pin2", name: "pin2", type: "password", inputmode: "numeric", autocomplete: "off" });
  const pinPart = again
    ? null
    : h(
        "fieldset",
        { id: "pin-part" },
        h("legend", {}, t("login.pin_title")),
        h("p", { class: "hint" }, t("login.pin_hint")),
        h("label", { for: "pin" }, t("login.pin")),
        pin,
        h("label", { for: "pin2" }, t("login.pin_again")),
        pin2,
      );
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
    pinPart,
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
    const username = user.value.trim();
    if (again && again.username !== username) {
      // Unsent work belongs to the officer who made it: never push it under another account.
      msg.textContent = t("login.other_officer", { name: again.username });
      return;
    }
    if (!again && (await (await getOfficers()).get(username))) {
      msg.textContent = t("login.unlock_instead", { name: username });
      return;
    }
    if (!again && pin.value) {
      msg.textContent = pinMessage(pin.value, pin2.value);
      if (msg.textContent) return;
    }
    submit.disabled = true;
    try {
      const res = await enroll(username, pass.value, dev.value.trim());
      if (res.status !== 201 && res.status !== 200) {
        msg.textContent = res.body?.message || t("login.failed");
        return;
      }
      if (!again) {
        stopSync(); // another officer may have been unlocked: their sync ends with their lock
        await addOfficer(res.body.user, pin.value || pass.value, pin.value ? "pin" : "password");
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
