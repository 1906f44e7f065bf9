// One renderer per field type of a form definition (docs/architecture.md). Each returns
// {name, el, get(), set(v), check() -> {errors, warnings}}.
import { t, pick, longDate } from "../i18n.js";
import { h, uid, toast } from "../dom.js";
import { checkNik } from "../../core/nik.js";
import { checkPhone } from "../../core/phone.js";
import { formatRupiah, parseRupiah } from "../../core/rupiah.js";
import { preparePhoto } from "../photo.js";
import { isQuotaError } from "../db.js";

const EMPTY = () => ({ errors: [], warnings: [] });

function shell(def, control, { id, describe = true, group = false } = {}) {
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

function requiredCheck(def, empty) {
  return def.required && empty ? { errors: ["field.required"], warnings: [] } : EMPTY();
}

function textLike(def, ctx, type) {
  const id = uid(def.name);
  const attrs = { id, name: def.name, onchange: ctx.onChange, oninput: ctx.onChange };
  if (def.max_length) attrs.maxlength = def.max_length;
  const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const bound = (b) => (b === "today" ? today() : b);
  if (type === "number")
    Object.assign(attrs, {
      type: "number",
      inputmode: def.integer ? "numeric" : "decimal",
      min: def.min,
      max: def.max,
      step: def.integer ? 1 : "any",
    });
  else if (type === "date") Object.assign(attrs, { type: "date", min: bound(def.min), max: bound(def.max) });
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
      return input.value.trim() === "" ? null : input.value.trim();
    },
    set: (v) => (input.value = v ?? ""),
    check() {
      const v = this.get();
      const r = requiredCheck(def, v === null);
      if (type === "number" && v !== null) {
        if (def.integer && !Number.isInteger(v)) r.errors.push("field.integer");
        if (def.min !== undefined && v < def.min) r.errors.push("field.too_small");
        if (def.max !== undefined && v > def.max) r.errors.push("field.too_large");
      }
      if (type === "date" && v !== null) {
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

function region(def, ctx) {
  const id = uid(def.name);
  const regions = ctx.regions;
  const mk = (sid, label) => h("select", { id: sid, "aria-label": label });
  const sel = [
    mk(`${id}-1`, t("region.regency")),
    mk(`${id}-2`, t("region.district")),
    mk(`${id}-3`, t("region.village")),
  ];
  const fill = (select, parent, placeholder) => {
    select.replaceChildren(
      h("option", { value: "" }, placeholder),
      ...(regions.children.get(parent) || []).map((r) => h("option", { value: r.code }, r.name)),
    );
    select.disabled = select.options.length <= 1;
  };
  fill(sel[0], regions.root, t("region.choose_regency"));
  fill(sel[1], null, t("region.choose_district"));
  fill(sel[2], null, t("region.choose_village"));
  sel[0].addEventListener("change", () => {
    fill(sel[1], sel[0].value, t("region.choose_district"));
    fill(sel[2], null, t("region.choose_village"));
    ctx.onChange();
  });
  sel[1].addEventListener("change", () => {
    fill(sel[2], sel[1].value, t("region.choose_village"));
    ctx.onChange();
  });
  sel[2].addEventListener("change", ctx.onChange);
  const labels = [t("region.regency"), t("region.district"), t("region.village")];
  const wrap = h(
    "div",
    { class: "region-grid" },
    sel.map((s, i) => h("label", { class: "sub", for: s.id }, labels[i], s)),
  );
  const { el, msg } = shell(def, wrap, { id, group: true, describe: false });
  return {
    name: def.name,
    el,
    get: () => sel[2].value || null,
    set: (v) => {
      if (!v) return;
      const chain = regions.chain(v);
      if (chain.length < 3) return;
      sel[0].value = chain[0];
      fill(sel[1], chain[0], t("region.choose_district"));
      sel[1].value = chain[1];
      fill(sel[2], chain[1], t("region.choose_village"));
      sel[2].value = chain[2];
    },
    check() {
      const r = requiredCheck(def, !sel[2].value);
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

function photo(def, ctx) {
  const id = uid(def.name);
  const kind = def.kind || def.name;
  const input = h("input", { id, type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  const pickBtn = h("label", { for: id, class: "btn btn-secondary" }, t("photo.take"));
  const preview = h("img", { class: "preview", alt: pick(def.label), hidden: true });
  const info = h("span", { class: "muted photo-info" });
  let value = null;
  let url = null;
  const show = async (v) => {
    if (!v) {
      preview.hidden = true;
      info.textContent = "";
      return;
    }
    const stored = await ctx.store.getPhoto(v.sha256);
    if (url) URL.revokeObjectURL(url);
    if (stored?.blob) {
      url = URL.createObjectURL(stored.blob);
      preview.src = url;
      preview.hidden = false;
    }
    info.textContent = t("photo.info", { kb: Math.round(v.size / 1024) });
  };
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    info.textContent = t("photo.processing");
    try {
      const p = await preparePhoto(file);
      await ctx.store.putPhoto({
        sha256: p.sha256,
        blob: p.blob,
        kind,
        content_type: p.content_type,
        size: p.size,
        record_id: ctx.recordId,
        name: `${kind}.jpg`,
        captured_at: new Date().toISOString(),
      });
      value = { sha256: p.sha256, kind, content_type: p.content_type, size: p.size };
      await show(value);
      ctx.onChange();
      f.check();
    } catch (err) {
      info.textContent = "";
      toast(isQuotaError(err) ? t("storage.full") : t("photo.failed"), { kind: "error" });
    } finally {
      input.value = "";
    }
  });
  const wrap = h("div", { class: "photo" }, input, pickBtn, preview, info);
  const { el, msg } = shell(def, wrap, { id, describe: false });
  el.querySelector("label[for]")?.removeAttribute("for");
  const f = {
    name: def.name,
    el,
    get: () => value,
    set: (v) => {
      value = v || null;
      show(value);
    },
    check() {
      const r = requiredCheck(def, !value);
      showMessages(msg, r);
      return r;
    },
  };
  return f;
}

function gps(def, ctx) {
  const id = uid(def.name);
  let value = null;
  const out = h("span", { class: "gps-out", id: `${id}-out` });
  const btn = h("button", { type: "button", class: "btn btn-secondary", id }, t("gps.take"));
  const render = () => {
    out.textContent = value
      ? t("gps.value", { lat: value.lat.toFixed(6), lon: value.lon.toFixed(6), acc: Math.round(value.accuracy_m) })
      : "";
  };
  btn.addEventListener("click", () => {
    if (!navigator.geolocation) {
      toast(t("gps.unsupported"), { kind: "error" });
      return;
    }
    out.textContent = t("gps.waiting");
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        value = {
          lat: pos.coords.latitude,
          lon: pos.coords.longitude,
          accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
          captured_at: new Date(pos.timestamp || Date.now()).toISOString(),
        };
        render();
        f.check();
        ctx.onChange();
      },
      (err) => {
        out.textContent = t(err.code === 1 ? "gps.denied" : "gps.failed");
      },
      { enableHighAccuracy: true, timeout: 30_000, maximumAge: 60_000 },
    );
  });
  const { el, msg } = shell(def, h("div", { class: "gps" }, btn, out), { id, describe: false });
  const f = {
    name: def.name,
    el,
    get: () => value,
    set: (v) => {
      value = v || null;
      render();
    },
    check() {
      const r = requiredCheck(def, !value);
      if (value && value.accuracy_m > (def.max_accuracy_m ?? 100)) r.warnings.push("gps.inaccurate");
      showMessages(msg, r);
      return r;
    },
  };
  return f;
}

function signature(def, ctx) {
  const id = uid(def.name);
  const canvas = h("canvas", {
    id,
    class: "sigpad",
    width: 600,
    height: 200,
    "aria-label": pick(def.label),
    role: "img",
  });
  const info = h("span", { class: "muted" });
  let value = null;
  let pad = null;
  const clearBtn = h("button", { type: "button", class: "btn btn-ghost" }, t("signature.clear"));
  const save = async () => {
    if (!pad || pad.isEmpty()) return;
    const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
    const { sha256Hex } = await import("../photo.js");
    const sha = await sha256Hex(blob);
    await ctx.store.putPhoto({
      sha256: sha,
      blob,
      kind: "signature",
      content_type: "image/png",
      size: blob.size,
      record_id: ctx.recordId,
      name: "signature.png",
      captured_at: new Date().toISOString(),
    });
    value = { sha256: sha, kind: "signature", content_type: "image/png", size: blob.size };
    info.textContent = t("signature.saved");
    ctx.onChange();
  };
  import("../../vendor/signature_pad.js").then(({ default: SignaturePad }) => {
    pad = new SignaturePad(canvas, { penColor: "#111" });
    pad.addEventListener("endStroke", () => save().catch(() => toast(t("storage.full"), { kind: "error" })));
  });
  clearBtn.addEventListener("click", () => {
    pad?.clear();
    value = null;
    info.textContent = "";
    ctx.onChange();
  });
  const { el, msg } = shell(def, h("div", { class: "signature" }, canvas, h("div", {}, clearBtn, info)), {
    id,
    describe: false,
  });
  return {
    name: def.name,
    el,
    get: () => value,
    set: async (v) => {
      value = v || null;
      if (!v) return;
      info.textContent = t("signature.saved");
      const stored = await ctx.store.getPhoto(v.sha256);
      if (stored?.blob) {
        const bmp = await createImageBitmap(stored.blob);
        canvas.getContext("2d").drawImage(bmp, 0, 0);
      }
    },
    check() {
      const r = requiredCheck(def, !value);
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
export function regionIndex(regions) {
  const children = new Map();
  const byCode = new Map();
  const parentOf = (r) =>
    r.parent_code ?? r.parent ?? (r.code.includes(".") ? r.code.split(".").slice(0, -1).join(".") : null);
  for (const r of regions || []) {
    byCode.set(r.code, r);
    const p = parentOf(r);
    if (!children.has(p)) children.set(p, []);
    children.get(p).push(r);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name, "id"));
  const depth = (c) => c.split(".").length;
  const regencies = (regions || []).filter((r) => depth(r.code) === 2);
  const root = regencies.length ? parentOf(regencies[0]) : null;
  return {
    root,
    children,
    byCode,
    chain(code) {
      const out = [];
      let c = code;
      while (c && byCode.has(c) && c !== root) {
        out.unshift(c);
        c = parentOf(byCode.get(c));
      }
      return out;
    },
    name: (code) => byCode.get(code)?.name ?? code,
    known: new Set((regions || []).map((r) => r.code).concat(root ? [root] : [])),
  };
}
