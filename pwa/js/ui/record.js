// One application: its sync state, what the office asked to correct, conflicts with both
// values, and the actions the state allows.
import { t, pick, dateTime } from "../i18n.js";
import { h, toast } from "../dom.js";
import { applicantName, badge, permitLabel, permitTypes, stateOf } from "./common.js";
import { requestBackgroundSync } from "../sync-client.js";
import { formatRupiah } from "../../core/rupiah.js";
import { displayPhone } from "../../core/phone.js";
import { regionIndex } from "./fields.js";
import { problemText } from "./problems.js";
import { CANCELLABLE_STATUSES, EDITABLE_STATUSES, correctionNotes } from "../../core/records.js";
import { citizenCard } from "./citizen.js";

export async function render(root, { params, store }) {
  const rec = await store.getRecord(params[0]);
  if (!rec) throw new Error(t("record.missing"));
  const summary = await store.summary();
  const state = stateOf(summary, rec);
  const types = await permitTypes(store);
  const form = await store.getForm(rec.permit_type, rec.form_version);
  const def = form?.definition || { sections: [] };
  const regions = regionIndex(await store.getReference("regions"));
  const conflicts = (await store.conflictsFor(rec.id)).filter((c) => c.status !== "resolved");
  const pending = summary.pending.get(rec.id) || 0;
  const uploads = summary.uploads.get(rec.id) || 0;

  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, applicantName(rec)), badge(state, rec)),
    h(
      "p",
      { class: "muted" },
      `${rec.tracking_code} · ${permitLabel(types, rec.permit_type)} · ${t("record.form_version", { v: rec.form_version })}`,
    ),
  );
  if (rec.code_changed_from) {
    root.append(
      h("p", { class: "card card-warn", id: "code-changed" }, t("record.code_changed", { old: rec.code_changed_from })),
    );
  }
  const facts = h("dl", { class: "facts" });
  const fact = (k, v) => facts.append(h("dt", {}, k), h("dd", {}, v));
  fact(t("record.state"), t(`state.${state}`));
  if (rec.server?.status) fact(t("record.office_status"), statusLabel(rec.server.status));
  if (pending) fact(t("record.pending"), String(pending));
  if (uploads) fact(t("record.uploads"), String(uploads));
  fact(t("record.updated"), dateTime(rec.updated_at));
  root.append(facts);
  if (rec.failure) root.append(failureCard(rec, def));

  if (state === "correction") {
    root.append(
      h(
        "section",
        { class: "card card-warn", id: "corrections" },
        h("h2", {}, t("correction.title")),
        h(
          "ul",
          {},
          correctionNotes(rec.server.corrections).map(([field, note]) =>
            h("li", {}, h("strong", {}, `${fieldLabel(def, field)}: `), note),
          ),
        ),
      ),
    );
  }
  if (conflicts.length) {
    root.append(
      h(
        "section",
        { class: "card card-warn", id: "conflicts" },
        h("h2", {}, t("conflict.title")),
        h("p", {}, t("conflict.body")),
        h(
          "table",
          { class: "conflicts" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col" }, t("conflict.field")),
              h("th", { scope: "col" }, t("conflict.device")),
              h("th", { scope: "col" }, t("conflict.server")),
            ),
          ),
          h(
            "tbody",
            {},
            conflicts.map((c) =>
              h(
                "tr",
                { dataset: { field: c.field } },
                h("th", { scope: "row" }, fieldLabel(def, c.field)),
                h("td", { class: "conflict-device" }, show(c.device_value, fieldDef(def, c.field), regions)),
                h("td", { class: "conflict-server" }, show(c.server_value, fieldDef(def, c.field), regions)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  const status = rec.server?.status ?? null;
  const actions = h("div", { class: "actions" });
  if (state === "draft")
    actions.append(h("a", { class: "btn btn-primary", href: `#/edit/${rec.id}`, id: "edit" }, t("record.continue")));
  else if (state === "correction")
    actions.append(h("a", { class: "btn btn-primary", href: `#/edit/${rec.id}`, id: "fix" }, t("record.fix")));
  else if (status === null || EDITABLE_STATUSES.has(status))
    actions.append(h("a", { class: "btn btn-secondary", href: `#/edit/${rec.id}`, id: "edit" }, t("record.edit")));
  if (!rec.draft)
    actions.append(
      h("a", { class: "btn btn-secondary", href: `#/receipt/${rec.id}`, id: "receipt" }, t("record.receipt")),
    );
  if (!rec.draft && (status === null || CANCELLABLE_STATUSES.has(status))) {
    actions.append(
      h(
        "button",
        {
          type: "button",
          class: "btn btn-ghost",
          id: "cancel-app",
          onclick: async () => {
            const reason = prompt(t("record.cancel_reason"));
            if (!reason) return;
            await store.cancel(rec.id, reason);
            requestBackgroundSync();
            toast(t("record.cancel_queued"));
            location.reload();
          },
        },
        t("record.cancel"),
      ),
    );
  }
  root.append(actions);
  root.append(citizenCard(rec, await store.pendingFor(rec.id), { draft: rec.draft }));

  const data = h("section", { class: "card" }, h("h2", {}, t("record.data")));
  for (const s of def.sections || []) {
    const dl = h("dl", { class: "facts" });
    for (const f of s.fields || [])
      if (rec.fields[f.name] !== undefined)
        dl.append(h("dt", {}, pick(f.label)), h("dd", {}, show(rec.fields[f.name], f, regions)));
    data.append(h("h3", {}, pick(s.title)), dl);
  }
  root.append(data);
}

/** Why the server refused this record, in the officer's language: each field named, and the
 * way to fix it. */
function failureCard(rec, def) {
  const { reason, fields } = rec.failure;
  const known = t(`failure.${reason}`);
  const card = h(
    "section",
    { class: "card card-warn", id: "failure", dataset: { reason } },
    h("h2", {}, t("record.failure")),
    h("p", { id: "failure-reason" }, known === `failure.${reason}` ? t("failure.other", { reason }) : known),
  );
  if (fields) {
    const list = h("ul", { id: "failure-fields" });
    for (const [name, issues] of Object.entries(fields))
      for (const issue of issues)
        list.append(
          h("li", { dataset: { field: name } }, h("strong", {}, `${fieldLabel(def, name)}: `), problemText(issue)),
        );
    card.append(list);
  }
  const fixable = ["invalid_fields", "unknown_form", "upload"].includes(reason) || fields;
  if (fixable) {
    card.append(
      h("p", { class: "hint" }, t(reason === "upload" ? "failure.fix_upload" : "failure.fix_hint")),
      h("a", { class: "btn btn-primary", href: `#/edit/${rec.id}`, id: "fix-failure" }, t("failure.fix")),
    );
  }
  return card;
}

export function statusLabel(status) {
  const key = `status.${status}`;
  return t(key) === key ? status : t(key);
}

function fieldDef(def, name) {
  for (const s of def.sections || []) for (const f of s.fields || []) if (f.name === name) return f;
  return { name, type: "text" };
}

function fieldLabel(def, name) {
  return pick(fieldDef(def, name).label) || name;
}

// A number never breaks across lines (0812-3456-7890 would wrap at its dashes).
const num = (text) => h("span", { class: "num" }, text);
const dmy = (iso) => (/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : iso);

/** A field value as text (or a node) for reading (not editing). */
export function show(v, f, regions) {
  if (v === null || v === undefined || v === "") return "—";
  switch (f?.type) {
    case "rupiah":
      return num(formatRupiah(v));
    case "phone":
      return num(displayPhone(v));
    case "nik":
    case "number":
      return num(String(v));
    case "date":
      return num(dmy(v));
    case "region":
      return (
        regions
          .chain(v)
          .map((c) => regions.name(c))
          .join(", ") || v
      );
    case "choice":
      return pick((f.options || []).find((o) => o.value === v)?.label) || String(v);
    case "gps":
      return [num(`${v.lat},`), " ", num(String(v.lon)), " ", num(`(±${Math.round(v.accuracy_m)} m)`)];
    case "photo":
    case "signature":
      return t("record.file", { kb: Math.round((v.size || 0) / 1024), sha: String(v.sha256).slice(0, 10) });
    case "checklist":
      return Array.isArray(v) ? v.join(", ") : String(v);
    default:
      return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
}
