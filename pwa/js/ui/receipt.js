// The citizen's receipt, made entirely on the device: tracking code, QR of the status
// link (which carries its own 128-bit token), printable, shareable.
import { t, dateTime } from "../i18n.js";
import { h } from "../dom.js";
import { statusUrl } from "../../core/ids.js";
import { applicantName, businessName, permitLabel, permitTypes } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";

/** Draw a QR code as one SVG path (no inline styles, no data: URLs). The library loads on
 * first use, so it stays out of the first download. */
export async function qrSvg(text, size = 220) {
  const { default: qrcode } = await import("../../vendor/qrcode.js");
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const margin = 4;
  let d = "";
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + margin} ${r + margin}h1v1h-1z`;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${n + 2 * margin} ${n + 2 * margin}`);
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("role", "img");
  svg.setAttribute("shape-rendering", "crispEdges");
  const bg = document.createElementNS(SVG, "rect");
  bg.setAttribute("width", "100%");
  bg.setAttribute("height", "100%");
  bg.setAttribute("fill", "#fff");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(bg, path);
  return svg;
}

export async function render(root, { params, store }) {
  const rec = await store.getRecord(params[0]);
  if (!rec) throw new Error(t("record.missing"));
  const user = (await store.getMeta("user")) || {};
  const types = await permitTypes(store);
  const url = statusUrl(location.origin, rec.tracking_code, rec.status_token || "");
  const svg = await qrSvg(url);
  svg.setAttribute("aria-label", t("receipt.qr_label"));
  const shareBtn = navigator.share
    ? h(
        "button",
        {
          type: "button",
          class: "btn btn-secondary",
          id: "share",
          onclick: () =>
            navigator
              .share({ title: t("receipt.title"), text: t("receipt.share_text", { code: rec.tracking_code }), url })
              .catch(() => {}),
        },
        t("receipt.share"),
      )
    : null;
  root.append(
    h(
      "article",
      { class: "receipt card", id: "receipt" },
      h("p", { class: "receipt-office" }, user.office?.name || user.office || "DPMPTSP"),
      h("h1", {}, t("receipt.title")),
      h("p", { class: "tracking", id: "tracking-code" }, rec.tracking_code),
      rec.code_changed_from
        ? h("p", { class: "hint", id: "code-changed" }, t("receipt.replaces", { old: rec.code_changed_from }))
        : null,
      h("div", { class: "qr", id: "qr" }, svg),
      h("p", { class: "receipt-url", id: "status-url" }, url),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("receipt.applicant")),
        h("dd", {}, applicantName(rec)),
        businessName(rec) ? [h("dt", {}, t("receipt.business")), h("dd", {}, businessName(rec))] : null,
        h("dt", {}, t("receipt.service")),
        h("dd", {}, permitLabel(types, rec.permit_type)),
        h("dt", {}, t("receipt.date")),
        h("dd", {}, dateTime(rec.submitted_at || rec.created_at || rec.updated_at)),
        h("dt", {}, t("receipt.officer")),
        h("dd", {}, user.full_name || user.username || ""),
      ),
      h("p", { class: "hint" }, t("receipt.hint")),
    ),
    h(
      "div",
      { class: "actions no-print" },
      h(
        "button",
        { type: "button", class: "btn btn-primary", id: "print", onclick: () => window.print() },
        t("receipt.print"),
      ),
      shareBtn,
      h("a", { href: `#/r/${rec.id}`, class: "btn btn-ghost" }, t("receipt.back")),
      h("a", { href: "#/", class: "btn btn-ghost" }, t("receipt.list")),
    ),
  );
}
