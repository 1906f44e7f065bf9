// One renderer per field type of a form definition (docs/architecture.md). Each returns
// {name, el, get(), set(v), check() -> {errors, warnings}}.
import { t, pick, longDate, today as officeToday } from "../i18n.js";
import { h, uid } from "../dom.js";
import { checkNik } from "../../core/nik.js";
import { checkPhone } from "../../core/phone.js";
import { formatRupiah, parseRupiah } from "../../core/rupiah.js";
import { isoDay } from "../../core/formcheck.js";
import { EMPTY, shell, showMessages, requiredCheck } from "./field-shell.js";
import { gps, photo, signature } from "./fields-media.js";
import { region } from "./fields-region.js";

export { regionIndex } from "./fields-region.js";
export { showMessages } from "./field-shell.js";

/** "12/08/1990" (or 12-8-1990, 12.08.1990) → "1990-08-12"; anything else comes back as typed. */
export function isoFromDmy(text) {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (!m) return text;
  const iso = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  return isoDay(iso) ? iso : text;
}

export function dmyFromIso(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value;
}

function textLike(def, ctx, type) {
  const id = uid(def.name);
  const attrs = { id, name: def.name, onchange: ctx.onChange, oninput: ctx.onChange };
  if (def.max_length) attrs.maxlength = def.max_length;
  const bound = (b) => (b === "today" ? officeToday() : b);
  if (type === "number")
    Object.assign(attrs, {
      type: "number",
      inputmode: def.integer ? "numeric" : "decimal",
      min: def.min,
      max: def.max,
      step: def.integer ? 1 : "any",
    });
  // Typed and shown dd/mm/yyyy whatever the browser's locale (a date input follows it).
  else if (type === "date")
    Object.assign(attrs, { type: "text", inputmode: "numeric", maxlength: 10, placeholder: t("field.date_hint") });
  else if (type === "textarea") attrs.rows = 3;
  else attrs.type = type;
  if (type === "email") attrs.autocomplete = "email";
  const input = h(type === "textarea" ? "textarea" : "input", attrs);
  const unit = def.unit ? h("span", { class: "muted unit" }, pick(def.unit)) : null;
  const { el, msg } = shell(def, unit ? h("div", { class: "with-unit" }, input, unit) : input, { id, describe: false });
  input.setAttribute("aria-describedby", `${id}-msg`);
  return {
    name: def.name,
    el,
    get: () => {
      if (type === "number") return input.value === "" ? null : Number(input.value);
      if (type === "date") return input.value.trim() === "" ? null : isoFromDmy(input.value.trim());
      return input.value.trim() === "" ? null : input.value.trim();
    },
    set: (v) => (input.value = type === "date" ? dmyFromIso(v ?? "") : (v ?? "")),
    check() {
      const v = this.get();
      const r = requiredCheck(def, v === null);
      if (type === "number" && v !== null) {
        if (def.integer && !Number.isInteger(v)) r.errors.push("field.integer");
        if (def.min !== undefined && v < def.min) r.errors.push("field.too_small");
        if (def.max !== undefined && v > def.max) r.errors.push("field.too_large");
      }
      if (type === "date" && v !== null && !isoDay(v)) r.errors.push("check.date_format");
      else if (type === "date" && v !== null) {
        if (def.min && v < bound(def.min)) r.errors.push("field.date_early");
        if (def.max && v > bound(def.max)) r.errors.push("field.date_late");
      }
      if (def.pattern && v !== null && !new RegExp(`^(?:${def.pattern})$`).test(v)) r.errors.push("field.pattern");
      if (def.min_length && v !== null && v.length < def.min_length) r.errors.push("field.too_short");
      if (type === "email" && v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) r.errors.push("field.email");
      showMessages(msg, r);
      return r;
    },
  };
}

function choice(def, ctx) {
  const id = uid(def.name);
  const options = def.options || [];
  if (options.length <= 4) {
    const radios = options.map((o) => {
      const rid = uid(def.name);
      return h(
        "label",
        { class: "radio", for: rid },
        h("input", { type: "radio", id: rid, name: id, value: o.value, onchange: ctx.onChange }),
        pick(o.label),
      );
    });
    const wrap = h("div", { class: "radios", role: "radiogroup" }, radios);
    const { el, msg } = shell(def, wrap, { id, group: true, describe: false });
    return {
      name: def.name,
      el,
      get: () => el.querySelector("input:checked")?.value ?? null,
      set: (v) => el.querySelectorAll("input").forEach((i) => (i.checked = i.value === v)),
      check() {
        const r = requiredCheck(def, this.get() === null);
        showMessages(msg, r);
        return r;
      },
    };
  }
  const select = h(
    "select",
    { id, name: def.name, onchange: ctx.onChange },
    h("option", { value: "" }, t("field.choose")),
    options.map((o) => h("option", { value: o.value }, pick(o.label))),
  );
  const { el, msg } = shell(def, select, { id });
  return {
    name: def.name,
    el,
    get: () => select.value || null,
    set: (v) => (select.value = v ?? ""),
    check() {
      const r = requiredCheck(def, !select.value);
      showMessages(msg, r);
      return r;
    },
  };
}

function nik(def, ctx) {
  const id = uid(def.name);
  const input = h("input", {
    id,
    name: def.name,
    inputmode: "numeric",
    autocomplete: "off",
    maxlength: 24,
    class: "mono",
  });
  const { el, msg } = shell(def, input, { id });
  const sexField = def.sex_field || "sex";
  const birthField = def.birth_date_field || "birth_date";
  const stated = () => ({
    birth_date: ctx.getValue(birthField) || undefined,
    sex: ctx.getValue(sexField) || undefined,
  });
  const field = {
    name: def.name,
    el,
    get: () => {
      const r = checkNik(input.value, { knownRegions: ctx.knownRegions });
      return r.value ?? (input.value.trim() || null);
    },
    set: (v) => (input.value = v ?? ""),
    check(live = false) {
      if (!input.value.trim()) {
        const r = requiredCheck(def, true);
        showMessages(msg, r);
        return r;
      }
      const r = checkNik(input.value, { knownRegions: ctx.knownRegions, stated: stated() });
      const info = r.value
        ? [h("span", { class: "msg-ok" }, t("nik.derived", { sex: t(`sex.${r.sex}`), date: longDate(r.birth_date) }))]
        : [];
      const errors = live && r.errors[0] === "nik_length" && input.value.replace(/\D/g, "").length < 16 ? [] : r.errors;
      showMessages(msg, { errors, warnings: r.warnings }, info);
      return { errors: r.errors, warnings: r.warnings, derived: r };
    },
  };
  input.addEventListener("input", () => {
    const r = field.check(true).derived;
    if (r?.value) ctx.prefill({ [birthField]: r.birth_date, [sexField]: r.sex });
    ctx.onChange();
  });
  return field;
}

function phone(def, ctx) {
  const id = uid(def.name);
  const input = h("input", { id, name: def.name, type: "tel", inputmode: "tel", autocomplete: "tel" });
  const { el, msg } = shell(def, input, { id });
  const f = {
    name: def.name,
    el,
    get: () => checkPhone(input.value, { requireMobile: !!def.mobile }).value ?? (input.value.trim() || null),
    set: (v) => (input.value = v ? (checkPhone(v).display ?? v) : ""),
    check() {
      if (!input.value.trim()) {
        const r = requiredCheck(def, true);
        showMessages(msg, r);
        return r;
      }
      const r = checkPhone(input.value, { requireMobile: !!def.mobile });
      showMessages(msg, r, r.value ? [h("span", { class: "msg-ok" }, r.value)] : []);
      return r;
    },
  };
  input.addEventListener("blur", () => {
    const r = checkPhone(input.value, { requireMobile: !!def.mobile });
    if (r.display) input.value = r.display;
    f.check();
  });
  input.addEventListener("input", ctx.onChange);
  return f;
}

function rupiah(def, ctx) {
  const id = uid(def.name);
  const input = h("input", { id, name: def.name, inputmode: "numeric", autocomplete: "off", placeholder: "Rp0" });
  const { el, msg } = shell(def, input, { id });
  const f = {
    name: def.name,
    el,
    get: () => (input.value.trim() ? parseRupiah(input.value).value : null),
    set: (v) => (input.value = v === null || v === undefined ? "" : formatRupiah(v)),
    check() {
      if (!input.value.trim()) {
        const r = requiredCheck(def, true);
        showMessages(msg, r);
        return r;
      }
      const r = parseRupiah(input.value);
      if (r.value !== null && def.min !== undefined && r.value < def.min) r.errors.push("field.too_small");
      if (r.value !== null && def.max !== undefined && r.value > def.max) r.errors.push("field.too_large");
      showMessages(
        msg,
        r,
        r.value !== null && !r.errors.length ? [h("span", { class: "msg-ok" }, formatRupiah(r.value))] : [],
      );
      return r;
    },
  };
  input.addEventListener("blur", () => {
    const r = parseRupiah(input.value);
    if (r.value !== null) input.value = formatRupiah(r.value);
    f.check();
  });
  input.addEventListener("input", ctx.onChange);
  return f;
}

function checklist(def, ctx) {
  const id = uid(def.name);
  const docs = def.options || ctx.requiredDocuments || [];
  const boxes = docs.map((d) => {
    const cid = uid(def.name);
    return h(
      "label",
      { class: "check", for: cid },
      h("input", { type: "checkbox", id: cid, value: d.code ?? d.value, onchange: ctx.onChange }),
      pick(d.label),
    );
  });
  const wrap = h("div", { class: "checks" }, boxes);
  const { el, msg } = shell(def, wrap, { id, group: true, describe: false });
  const inputs = () => [...el.querySelectorAll("input[type=checkbox]")];
  return {
    name: def.name,
    el,
    get: () =>
      inputs()
        .filter((i) => i.checked)
        .map((i) => i.value),
    set: (v) => inputs().forEach((i) => (i.checked = (v || []).includes(i.value))),
    check() {
      const missing = inputs().filter((i) => !i.checked).length;
      const r = def.required && missing ? { errors: [], warnings: ["checklist.incomplete"] } : EMPTY();
      showMessages(msg, r);
      return r;
    },
  };
}

const RENDERERS = {
  text: (d, c) => textLike(d, c, "text"),
  email: (d, c) => textLike(d, c, "email"),
  textarea: (d, c) => textLike(d, c, "textarea"),
  number: (d, c) => textLike(d, c, "number"),
  date: (d, c) => textLike(d, c, "date"),
  choice,
  region,
  nik,
  phone,
  rupiah,
  checklist,
  photo,
  gps,
  signature,
};

export function makeField(def, ctx) {
  const r = RENDERERS[def.type] || RENDERERS.text;
  return r(def, ctx);
}

/** Index regions ({code, parent_code, name}) for the cascade. */
