// The lock screen: shown on every cold start and after the idle time. Unlocking works
// offline (the officer's PIN or password unwraps their partition's key on the tablet).
// Wrong secrets make the next try wait longer; nothing is ever wiped here.
import { t } from "../i18n.js";
import { h, toast } from "../dom.js";
import { getOfficers, unlock, legacyUser, sealLegacyFor } from "../db.js";
import { pinProblem } from "../../core/vault.js";

/** What is wrong with a new PIN and its repetition ("" when it is fine). */
export function pinMessage(pin, repeated) {
  const problem = pinProblem(pin);
  if (problem) return t(`login.${problem}`);
  return pin === repeated ? "" : t("login.pin_mismatch");
}

function seconds(ms) {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** `onUnlocked()` runs after a successful unlock (the app starts sync and routes). */
export async function render(root, { onUnlocked }) {
  const officers = await getOfficers();
  const list = await officers.list();
  if (!list.length) {
    const legacy = await legacyUser();
    if (legacy) return renderSealLegacy(root, legacy, onUnlocked);
    location.replace("#/login");
    return;
  }
  const last = await officers.getSetting("last_officer");
  const chosen = list.find((o) => o.username === last) || list[0];
  const who = h(
    "select",
    { id: "unlock-officer", name: "officer" },
    list.map((o) => h("option", { value: o.username }, o.full_name ? `${o.full_name} (${o.username})` : o.username)),
  );
  who.value = chosen.username;
  const secret = h("input", {
    id: "unlock-secret",
    name: "secret",
    type: "password",
    autocomplete: "off",
    required: true,
    autofocus: true,
  });
  const secretLabel = h("label", { for: "unlock-secret" });
  const msg = h("p", { class: "form-error", role: "alert", id: "unlock-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "unlock-submit" }, t("lock.unlock"));
  let timer = null;

  const fit = () => {
    const o = list.find((x) => x.username === who.value);
    const pin = o?.secret_kind === "pin";
    secretLabel.textContent = pin ? t("lock.pin") : t("lock.password");
    secret.inputMode = pin ? "numeric" : "text";
  };
  /** Count down a wait: the button stays off until it is over. */
  const waitFor = (ms, text) => {
    clearInterval(timer);
    const until = Date.now() + ms;
    const tick = () => {
      const left = until - Date.now();
      if (left <= 0) {
        clearInterval(timer);
        submit.disabled = false;
        msg.dataset.waitMs = "0";
        if (text) msg.textContent = text;
        return;
      }
      submit.disabled = true;
      msg.dataset.waitMs = String(ms);
      msg.textContent = `${text ? `${text} ` : ""}${t("lock.wait", { s: seconds(left) })}`;
    };
    tick();
    timer = setInterval(tick, 250);
  };
  const showWait = async () => {
    const ms = await officers.waitMs(who.value);
    if (ms > 0) waitFor(ms, "");
    else {
      clearInterval(timer);
      submit.disabled = false;
      msg.textContent = "";
      msg.dataset.waitMs = "0";
    }
  };
  who.addEventListener("change", () => {
    fit();
    secret.value = "";
    showWait();
  });
  fit();
  await showWait();

  const form = h(
    "form",
    { class: "card narrow", id: "unlock-form" },
    h("h1", {}, t("lock.title")),
    h("p", { class: "hint" }, t("lock.hint")),
    list.length > 1 ? [h("label", { for: "unlock-officer" }, t("lock.officer")), who] : h("p", { id: "unlock-name" }, who.selectedOptions[0]?.textContent),
    secretLabel,
    secret,
    msg,
    submit,
    h("p", {}, h("a", { href: "#/login", id: "add-officer" }, t("lock.other"))),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    msg.textContent = t("lock.opening");
    try {
      await unlock(who.value, secret.value);
      clearInterval(timer);
      secret.value = "";
      await onUnlocked();
    } catch (err) {
      secret.value = "";
      if (err.name === "WrongSecret") waitFor(err.waitMs || 0, t("lock.wrong"));
      else if (err.name === "TooSoon") waitFor(err.waitMs, "");
      else {
        submit.disabled = false;
        msg.textContent = `${t("lock.failed")} ${err.message || ""}`;
      }
      secret.focus();
    }
  });
  root.append(form);
}

/** Data from an app version before the lock: the officer chooses a PIN and it is sealed. */
function renderSealLegacy(root, user, onUnlocked) {
  const pin = h("input", { id: "pin", type: "password", inputmode: "numeric", autocomplete: "off", required: true, autofocus: true });
  const pin2 = h("input", { id: "pin2", type: "password", inputmode: "numeric", autocomplete: "off", required: true });
  const msg = h("p", { class: "form-error", role: "alert", id: "unlock-error" });
  const form = h(
    "form",
    { class: "card narrow", id: "seal-form" },
    h("h1", {}, t("lock.seal_title")),
    h("p", {}, t("lock.seal_body", { name: user.full_name || user.username })),
    h("label", { for: "pin" }, t("login.pin")),
    pin,
    h("label", { for: "pin2" }, t("login.pin_again")),
    pin2,
    msg,
    h("button", { type: "submit", class: "btn btn-primary btn-block" }, t("lock.seal_submit")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = pinMessage(pin.value, pin2.value);
    if (msg.textContent) return;
    await sealLegacyFor(user, pin.value);
    toast(t("lock.sealed"));
    await onUnlocked();
  });
  root.append(form);
}
