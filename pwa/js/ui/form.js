// An application form rendered from its form definition: new (#/new/<permit>) or an
// existing record (#/edit/<id>): draft, queued, synced, or sent back for correction.
import { t, pick } from "../i18n.js";
import { h, toast } from "../dom.js";
import { statusToken, trackingCode, uuid } from "../../core/ids.js";
import { makeField, regionIndex } from "./fields.js";
import { latestVersion, permitTypes, stateOf } from "./common.js";
import { correctionNotes } from "../../core/records.js";
import { checkValues } from "../../core/formcheck.js";
import { showProblems } from "./problems.js";
import { requestBackgroundSync } from "../sync-client.js";
import { refreshHeader } from "./header.js";
import { setLeaveGuard, showError } from "../app.js";

export async function render(root, { params, hash, store }) {
  const isNew = hash.startsWith("#/new/");
  let record;
  if (isNew) {
    const code = decodeURIComponent(params[0]);
    const pt = (await permitTypes(store)).find((p) => (p.code ?? p.id) === code);
    if (!pt) throw new Error(t("new.no_reference"));
    record = {
      id: uuid(),
      permit_type: code,
      form_version: latestVersion(pt),
      tracking_code: trackingCode(),
      status_token: statusToken(),
      fields: {},
      draft: true,
      created_at: new Date().toISOString(),
    };
  } else {
    record = await store.getRecord(params[0]);
    if (!record) throw new Error(t("record.missing"));
  }
  const form = await store.getForm(record.permit_type, record.form_version);
  if (!form) throw new Error(t("form.missing", { v: record.form_version }));
  const def = form.definition;
  const summary = await store.summary();
  const state = isNew ? "draft" : stateOf(summary, record);
  const regions = regionIndex(await store.getReference("regions"));
  const corrections = new Map(correctionNotes(record.server?.corrections));

  let dirty = false;
  const fields = new Map();
  const ctx = {
    store,
    recordId: record.id,
    regions,
    knownRegions: regions.known,
    requiredDocuments: def.required_documents || [],
    onChange: () => (dirty = true),
    getValue: (name) => fields.get(name)?.get() ?? null,
    prefill: (values) => {
      for (const [k, v] of Object.entries(values)) {
        const f = fields.get(k);
        if (f && (f.get() === null || f.get() === "")) f.set(v);
      }
    },
  };

  const title = h("h1", {}, isNew ? t("form.new_title") : t("form.edit_title"));
  const code = h("p", { class: "muted" }, t("form.code", { code: record.tracking_code }));
  const body = h("form", { id: "app-form", class: "app-form", novalidate: true });

  if (state === "correction" && corrections.size) {
    body.append(
      h(
        "section",
        { class: "card card-warn", id: "corrections" },
        h("h2", {}, t("correction.title")),
        h(
          "ul",
          {},
          [...corrections].map(([field, note]) => h("li", {}, h("strong", {}, `${fieldLabel(def, field)}: `), note)),
        ),
      ),
    );
  }

  let consent = null;
  if (def.purpose_notice && (isNew || record.draft)) {
    consent = h("input", { type: "checkbox", id: "consent", required: true, checked: !!record.consent_at });
    body.append(
      h(
        "section",
        { class: "card notice", id: "purpose-notice" },
        h("h2", {}, t("notice.title")),
        h("p", {}, pick(def.purpose_notice)),
        h("label", { class: "check", for: "consent" }, consent, t("notice.agree")),
      ),
    );
  }

  for (const section of def.sections || []) {
    const fs = h("section", { class: "form-section" }, h("h2", {}, pick(section.title)));
    for (const fd of section.fields || []) {
      const f = makeField(fd, ctx);
      fields.set(fd.name, f);
      if (corrections.has(fd.name)) {
        f.el.classList.add("needs-fix");
        f.el.prepend(h("p", { class: "correction-note" }, t("correction.note", { note: corrections.get(fd.name) })));
      }
      fs.append(f.el);
    }
    body.append(fs);
  }
  for (const [name, f] of fields) if (name in record.fields) await f.set(record.fields[name]);

  const collect = () => {
    const out = {};
    for (const [name, f] of fields) {
      const v = f.get();
      if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0 && !(name in record.fields)))
        out[name] = v;
    }
    return out;
  };
  // The field's own live checks, then the server's rules on the whole application (the same
  // definition): nothing the server would refuse gets a receipt.
  const validate = (values, complete) => {
    let first = null;
    const failed = new Set();
    for (const f of fields.values()) {
      const r = f.check();
      if (r.errors.length) {
        failed.add(f.name);
        first = first || f;
      }
    }
    const knownRegion = regions.byCode.size ? (code) => regions.byCode.has(code) : null;
    const verdict = checkValues(def, values, { complete, knownRegion });
    for (const [name, problems] of Object.entries(verdict.errors)) {
      const f = fields.get(name);
      if (!f || failed.has(name)) continue;
      showProblems(f, problems);
      first = first || f;
    }
    if (consent && !consent.checked) first = first || { el: consent.closest("section") };
    if (first) {
      first.el.scrollIntoView({ block: "center" });
      first.el.querySelector("input,select,textarea,button")?.focus({ preventScroll: true });
      toast(first.el === consent?.closest("section") ? t("notice.required") : t("form.fix_errors"), {
        kind: "error",
      });
      return false;
    }
    return true;
  };

  const go = async (action) => {
    const values = collect();
    try {
      if (action === "draft") {
        await store.saveDraft({
          ...record,
          fields: values,
          consent_at: consent?.checked ? new Date().toISOString() : null,
        });
        toast(t("form.saved_draft"));
      } else {
        if (!validate(values, action !== "edit")) return;
        if (action === "submit") {
          await store.submitNew({ ...record, fields: values, consent_at: new Date().toISOString() });
        } else if (action === "resubmit") {
          await store.resubmit(record.id, values);
        } else {
          await store.editFields(record.id, values);
        }
        requestBackgroundSync();
        toast(t(action === "submit" ? "form.submitted" : "form.saved"));
      }
      dirty = false;
      setLeaveGuard(null);
      refreshHeader();
      location.hash = action === "submit" ? `#/receipt/${record.id}` : `#/r/${record.id}`;
    } catch (err) {
      showError(err);
    }
  };

  const actions = h("div", { class: "actions sticky" });
  if (isNew || record.draft) {
    actions.append(
      h(
        "button",
        { type: "button", class: "btn btn-secondary", id: "save-draft", onclick: () => go("draft") },
        t("form.save_draft"),
      ),
      h("button", { type: "submit", class: "btn btn-primary", id: "submit" }, t("form.submit")),
    );
  } else if (state === "correction") {
    actions.append(h("button", { type: "submit", class: "btn btn-primary", id: "resubmit" }, t("form.resubmit")));
  } else {
    actions.append(h("button", { type: "submit", class: "btn btn-primary", id: "save" }, t("form.save")));
  }
  actions.append(h("a", { href: isNew ? "#/" : `#/r/${record.id}`, class: "btn btn-ghost" }, t("form.cancel")));
  body.append(actions);
  body.addEventListener("submit", (e) => {
    e.preventDefault();
    go(isNew || record.draft ? "submit" : state === "correction" ? "resubmit" : "edit");
  });
  setLeaveGuard(() => (dirty ? t("form.leave") : null));
  root.append(title, code, body);
}

function fieldLabel(def, name) {
  for (const s of def.sections || []) for (const f of s.fields || []) if (f.name === name) return pick(f.label);
  return name;
}
