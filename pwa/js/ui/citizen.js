// What the citizen tells the office through the officer, offline: feedback (#/feedback/<id>)
// and the SKM survey (#/survey/<id>) for one application, and the card on the record page that
// lists the tickets and the survey with their state. The rules are the server's
// (core/citizen.js); the mutations wait in the outbox like every other change.
import { t, dateTime } from "../i18n.js";
import { h, uid, toast } from "../dom.js";
import { shell, showMessages } from "./field-shell.js";
import { requestBackgroundSync } from "../sync-client.js";
import { uuid } from "../../core/ids.js";
import {
  COMPLAINT_CATEGORIES,
  CONTACT_MAX,
  EDUCATION,
  FEEDBACK_KINDS,
  MESSAGE_MAX,
  NAME_MAX,
  OCCUPATIONS,
  SEXES,
  SKM_ELEMENTS,
  entryState,
  feedbackArgs,
  feedbackProblems,
  surveyArgs,
  surveyOpen,
  surveyProblems,
  ticketCode,
  ticketToken,
  ticketUrl,
} from "../../core/citizen.js";

export async function render(root, { params, hash, store }) {
  const rec = await store.getRecord(params[0]);
  if (!rec) throw new Error(t("record.missing"));
  if (hash.startsWith("#/survey/")) return surveyPage(root, rec, store);
  return feedbackPage(root, rec, store);
}

// ---- controls ------------------------------------------------------------------------------

function radioGroup(name, label, options) {
  const id = uid(name);
  const wrap = h(
    "div",
    { class: "radios", role: "radiogroup" },
    options.map(([value, text]) => {
      const rid = uid(name);
      return h("label", { class: "radio", for: rid }, h("input", { type: "radio", id: rid, name: id, value }), text);
    }),
  );
  const { el, msg } = shell({ name, label, type: "choice" }, wrap, { id, group: true, describe: false });
  return { name, el, msg, get: () => el.querySelector("input:checked")?.value ?? null };
}

function selectBox(name, label, options) {
  const id = uid(name);
  const select = h(
    "select",
    { id, name },
    h("option", { value: "" }, t("field.choose")),
    options.map(([value, text]) => h("option", { value }, text)),
  );
  const { el, msg } = shell({ name, label, type: "choice" }, select, { id });
  return { name, el, msg, get: () => select.value || null };
}

function textBox(name, label, { maxlength, textarea = false, type = "text", help = "" } = {}) {
  const id = uid(name);
  const attrs = { id, name, maxlength };
  if (textarea) attrs.rows = 5;
  else attrs.type = type;
  if (type === "number") Object.assign(attrs, { inputmode: "numeric", min: 15, max: 100, step: 1 });
  const input = h(textarea ? "textarea" : "input", attrs);
  const { el, msg } = shell({ name, label, help, type: textarea ? "textarea" : type }, input, { id });
  return { name, el, msg, input, get: () => input.value };
}

/** Show each control's problem (codes from core/citizen.js) and focus the first one. */
function showProblems(controls, problems) {
  let first = null;
  for (const c of controls) {
    const code = problems[c.name];
    showMessages(c.msg, { errors: code ? [`citizen.problem.${code}`] : [], warnings: [] });
    if (code && !first) first = c;
  }
  first?.el.querySelector("input, select, textarea")?.focus();
  return !first;
}

// ---- feedback ------------------------------------------------------------------------------

function feedbackPage(root, rec, store) {
  const kind = radioGroup(
    "kind",
    t("citizen.kind"),
    FEEDBACK_KINDS.map((k) => [k, t(`citizen.kind.${k}`)]),
  );
  const category = selectBox(
    "category",
    t("citizen.category"),
    COMPLAINT_CATEGORIES.map((c) => [c, t(`citizen.category.${c}`)]),
  );
  category.el.hidden = true;
  kind.el.addEventListener("change", () => (category.el.hidden = kind.get() !== "pengaduan"));
  const message = textBox("message", t("citizen.message"), {
    textarea: true,
    maxlength: MESSAGE_MAX,
    help: t("citizen.message_help"),
  });
  const name = textBox("contact_name", t("citizen.contact_name"), { maxlength: NAME_MAX });
  const contact = textBox("contact", t("citizen.contact"), { maxlength: CONTACT_MAX, help: t("citizen.contact_help") });
  const controls = [kind, category, message, name, contact];
  const form = h(
    "form",
    {
      id: "feedback-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const values = {
          kind: kind.get() ?? "",
          category: category.get() ?? "",
          message: message.get(),
          contact_name: name.get(),
          contact: contact.get(),
        };
        if (!showProblems(controls, feedbackProblems(values))) return;
        const args = feedbackArgs({ id: uuid(), recordId: rec.id, code: ticketCode(), token: ticketToken(), values });
        await store.recordFeedback(rec.id, args);
        requestBackgroundSync();
        toast(t("citizen.feedback_saved", { code: args.ticket_code }));
        location.hash = `#/r/${rec.id}`;
      },
    },
    controls.map((c) => c.el),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary", id: "feedback-save" }, t("citizen.save")),
      h("a", { href: `#/r/${rec.id}`, class: "btn btn-ghost" }, t("form.cancel")),
    ),
  );
  root.append(
    h("h1", {}, t("citizen.feedback_title")),
    h("p", { class: "muted" }, t("citizen.about", { code: rec.tracking_code })),
    h("p", { class: "hint" }, t("citizen.feedback_hint")),
    form,
  );
}

// ---- the SKM survey ------------------------------------------------------------------------

function surveyPage(root, rec, store) {
  if (!surveyOpen(rec)) {
    root.append(
      h("h1", {}, t("citizen.survey_title")),
      h("p", { class: "card card-warn", id: "survey-closed" }, t("citizen.survey_closed")),
      h("a", { href: `#/r/${rec.id}`, class: "btn btn-secondary" }, t("citizen.back")),
    );
    return;
  }
  const elements = SKM_ELEMENTS.map((e) =>
    radioGroup(
      e,
      `${e.toUpperCase()}. ${t(`skm.${e}`)}`,
      [1, 2, 3, 4].map((n) => [String(n), `${n} · ${t(`skm.${e}.${n}`)}`]),
    ),
  );
  const age = textBox("age", t("skm.age"), { type: "number", maxlength: 3 });
  const sex = radioGroup(
    "sex",
    t("skm.sex"),
    SEXES.map((s) => [s, t(`skm.sex.${s}`)]),
  );
  const education = selectBox(
    "education",
    t("skm.education"),
    EDUCATION.map((e) => [e, t(`skm.education.${e}`)]),
  );
  const occupation = selectBox(
    "occupation",
    t("skm.occupation"),
    OCCUPATIONS.map((o) => [o, t(`skm.occupation.${o}`)]),
  );
  const profile = [age, sex, education, occupation];
  const controls = [...elements, ...profile];
  const form = h(
    "form",
    {
      id: "survey-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const values = {};
        for (const c of elements) values[c.name] = c.get() === null ? null : Number(c.get());
        const ageText = age.get().trim();
        values.age = /^\d{1,3}$/.test(ageText) ? Number(ageText) : null;
        values.sex = sex.get();
        values.education = education.get();
        values.occupation = occupation.get();
        if (!showProblems(controls, surveyProblems(values))) return;
        await store.recordSurvey(rec.id, surveyArgs({ id: uuid(), recordId: rec.id, values }));
        requestBackgroundSync();
        toast(t("citizen.survey_saved"));
        location.hash = `#/r/${rec.id}`;
      },
    },
    h("p", { class: "hint" }, t("citizen.survey_hint")),
    elements.map((c) => c.el),
    h("h2", {}, t("skm.profile")),
    profile.map((c) => c.el),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "btn btn-primary", id: "survey-save" }, t("citizen.save")),
      h("a", { href: `#/r/${rec.id}`, class: "btn btn-ghost" }, t("form.cancel")),
    ),
  );
  root.append(
    h("h1", {}, t("citizen.survey_title")),
    h("p", { class: "muted" }, t("citizen.about", { code: rec.tracking_code })),
    form,
  );
}

// ---- the card on the record page -------------------------------------------------------------

function stateLine(state, rejected) {
  const text =
    state === "rejected"
      ? rejectionText(rejected)
      : t(state === "pending" ? "citizen.state.pending" : "citizen.state.sent");
  return h("span", { class: `citizen-state citizen-${state}`, dataset: { state } }, text);
}

function rejectionText(rejected) {
  const key = `citizen.rejected.${rejected?.reason}`;
  const known = t(key);
  return known === key ? t("citizen.rejected.other", { reason: rejected?.reason || "?" }) : known;
}

/** Tickets and the survey taken on this tablet for `rec`, and the buttons to take more. */
export function citizenCard(rec, pending, { draft = false } = {}) {
  const card = h("section", { class: "card", id: "citizen" }, h("h2", {}, t("citizen.title")));
  if (draft) {
    card.append(h("p", { class: "hint" }, t("citizen.after_submit")));
    return card;
  }
  const tickets = rec.feedback || [];
  if (tickets.length) {
    const list = h("ul", { id: "tickets", class: "tickets" });
    for (const ticket of tickets) {
      const state = entryState(ticket, pending, "feedback_id");
      list.append(
        h(
          "li",
          { dataset: { ticket: ticket.ticket_code, state } },
          h("strong", { class: "num ticket-code" }, ticket.ticket_code),
          ` · ${t(`citizen.kind.${ticket.kind}`)} · ${dateTime(ticket.at)} · `,
          stateLine(state, ticket.rejected),
          state === "rejected"
            ? null
            : h("span", { class: "ticket-url muted" }, ticketUrl(location.origin, ticket.ticket_code, ticket.ticket_token)),
        ),
      );
    }
    card.append(list, h("p", { class: "hint" }, t("citizen.ticket_hint")));
  }
  if (rec.survey) {
    const state = entryState(rec.survey, pending, "survey_id");
    card.append(
      h(
        "p",
        { id: "survey-state", dataset: { state } },
        h("strong", {}, `${t("citizen.survey_title")}: `),
        stateLine(state, rec.survey.rejected),
      ),
    );
  }
  const actions = h(
    "div",
    { class: "actions" },
    h("a", { class: "btn btn-secondary", href: `#/feedback/${rec.id}`, id: "record-feedback" }, t("citizen.add_feedback")),
  );
  if (surveyOpen(rec))
    actions.append(
      h("a", { class: "btn btn-secondary", href: `#/survey/${rec.id}`, id: "record-survey" }, t("citizen.add_survey")),
    );
  card.append(actions);
  return card;
}
