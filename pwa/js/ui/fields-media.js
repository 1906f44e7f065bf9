// Field renderers that capture from the device: photo (camera), GPS, signature.
import { t, pick } from "../i18n.js";
import { h, uid, toast } from "../dom.js";
import { preparePhoto } from "../photo.js";
import { isQuotaError } from "../db.js";
import { shell, showMessages, requiredCheck } from "./field-shell.js";

export function photo(def, ctx) {
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

export function gps(def, ctx) {
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

export function signature(def, ctx) {
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
