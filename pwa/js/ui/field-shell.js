// Shared pieces of the field renderers: the label/message shell and the checks' messages.
import { t, pick } from "../i18n.js";
import { h } from "../dom.js";

export const EMPTY = () => ({ errors: [], warnings: [] });

export function shell(def, control, { id, describe = true, group = false } = {}) {
  const msg = h("p", { class: "field-msg", id: `${id}-msg`, "aria-live": "polite" });
  const label = pick(def.label) + (def.required ? " *" : "");
  const head = group ? h("legend", {}, label) : h("label", { for: id }, label);
  const help = def.help ? h("p", { class: "hint" }, pick(def.help)) : null;
  const el = h(
    group ? "fieldset" : "div",
    { class: `field field-${def.type}`, dataset: { field: def.name } },
    head,
    help,
    control,
    msg,
  );
  if (describe && control.setAttribute) control.setAttribute("aria-describedby", `${id}-msg`);
  return { el, msg };
}

export function showMessages(msgEl, { errors, warnings }, extra = []) {
  msgEl.replaceChildren(
    ...errors.map((e) => h("span", { class: "msg-error" }, t(e))),
    ...warnings.map((w) => h("span", { class: "msg-warn" }, t(w))),
    ...extra,
  );
  msgEl.closest(".field")?.classList.toggle("has-error", errors.length > 0);
}

export function requiredCheck(def, empty) {
  return def.required && empty ? { errors: ["field.required"], warnings: [] } : EMPTY();
}
