// The region cascade (regency → district → village) from the downloaded Kemendagri codes.
import { t } from "../i18n.js";
import { h, uid } from "../dom.js";
import { shell, showMessages, requiredCheck } from "./field-shell.js";

const depth = (code) => code.split(".").length;

export function region(def, ctx) {
  const id = uid(def.name);
  const regions = ctx.regions;
  const mk = (sid, label) => h("select", { id: sid, "aria-label": label });
  const sel = [
    mk(`${id}-1`, t("region.regency")),
    mk(`${id}-2`, t("region.district")),
    mk(`${id}-3`, t("region.village")),
  ];
  // Each list offers its own level only (regency, district, village), and only under the
  // level above it once that is chosen.
  const fill = (select, parent, placeholder) => {
    const level = sel.indexOf(select) + 2;
    const options = parent ? (regions.children.get(parent) || []).filter((r) => depth(r.code) === level) : [];
    select.replaceChildren(
      h("option", { value: "" }, placeholder),
      ...options.map((r) => h("option", { value: r.code }, r.name)),
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
