// Shared bits of the views: record state, badges, names, reference lookups.
import { t, pick } from "../i18n.js";
import { h } from "../dom.js";
import { recordState } from "../../core/records.js";

export function stateOf(summary, rec) {
  const refused = summary.refused?.get(rec.id);
  if (refused && !rec.draft && !rec.failure) rec.failure = { mutation: "upload", reason: "upload", message: refused };
  return recordState(rec, {
    pending: summary.pending.get(rec.id) || 0,
    uploads: summary.uploads.get(rec.id) || 0,
    conflicts: summary.conflicts.get(rec.id) || 0,
  });
}

export function badge(state) {
  return h("span", { class: `badge badge-${state}`, dataset: { state } }, t(`state.${state}`));
}

export function applicantName(rec) {
  const f = rec.fields || {};
  return f.full_name || f.name || f.applicant_name || f.nama || t("list.unnamed");
}

export function businessName(rec) {
  const f = rec.fields || {};
  return f.business_name || f.nama_usaha || "";
}

export async function permitTypes(store) {
  return (await store.getReference("permit_types")) || [];
}

export function permitLabel(types, code) {
  const pt = types.find((p) => (p.code ?? p.id) === code);
  return pt ? pick(pt.name ?? pt.label ?? pt.title) || code : code;
}

/** The newest form definition of a permit type. */
export function latestVersion(pt) {
  const versions = [];
  if (Array.isArray(pt.forms)) for (const f of pt.forms) versions.push((f.definition ?? f).version);
  if (pt.form) versions.push((pt.form.definition ?? pt.form).version);
  if (pt.form_definition) versions.push(pt.form_definition.version);
  if (pt.current_form_version) versions.push(pt.current_form_version);
  return Math.max(...versions.filter(Number.isFinite));
}
