// What citizens tell the office through the officer's tablet, offline: feedback (complaint,
// question, appreciation, suggestion) and the SKM satisfaction survey. The value rules are
// the server's (sync/citizen.py), kept in step by tests/pwa/test_citizen_rules.py, which runs
// both on the same cases. DOM-free.
import { CODE_ALPHABET, base64url } from "./ids.js";

export const FEEDBACK_KINDS = ["pengaduan", "konsultasi", "apresiasi", "saran"];
// Peraturan Ombudsman 26/2017 Pasal 11: the ten forms of maladministration, plus "other".
export const COMPLAINT_CATEGORIES = [
  "penundaan_berlarut",
  "tidak_memberikan_pelayanan",
  "penyimpangan_prosedur",
  "permintaan_imbalan",
  "tidak_kompeten",
  "tidak_patut",
  "diskriminasi",
  "berpihak",
  "konflik_kepentingan",
  "penyalahgunaan_wewenang",
  "lainnya",
];
export const MESSAGE_MIN = 10;
export const MESSAGE_MAX = 2000;
export const NAME_MAX = 100;
export const CONTACT_MAX = 120;

export const SKM_ELEMENTS = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"];
export const SEXES = ["L", "P"];
export const EDUCATION = ["sd", "smp", "sma", "d1_d3", "s1", "s2_s3", "lainnya"];
export const OCCUPATIONS = ["pns", "tni_polri", "swasta", "wirausaha", "petani_nelayan", "pelajar", "lainnya"];
export const AGE_MIN = 15;
export const AGE_MAX = 100;
/** Statuses in which the survey is open (the server's SURVEY_STATUSES). */
export const SURVEY_STATUSES = new Set(["terbit", "selesai"]);

// Python counts code points; JavaScript's length counts UTF-16 units.
const codePoints = (s) => [...s].length;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The server's text rule (sync.validate.text_problem): no NUL, no lone surrogate. */
export function badText(value) {
  return value.includes("\u0000") || LONE_SURROGATE.test(value);
}

/** Field -> problem code, exactly as sync.citizen.feedback_problems. */
export function feedbackProblems(values) {
  const problems = {};
  const kind = values.kind;
  if (!FEEDBACK_KINDS.includes(kind)) problems.kind = "choose";
  if (kind === "pengaduan" && !COMPLAINT_CATEGORIES.includes(values.category)) problems.category = "choose";
  const message = values.message;
  if (typeof message !== "string" || codePoints(message.trim()) < MESSAGE_MIN) problems.message = "too_short";
  else if (codePoints(message) > MESSAGE_MAX) problems.message = "too_long";
  for (const [name, limit] of [
    ["message", MESSAGE_MAX],
    ["contact_name", NAME_MAX],
    ["contact", CONTACT_MAX],
  ]) {
    const value = values[name] ?? "";
    if (typeof value !== "string") problems[name] = "not_text";
    else if (!(name in problems) && codePoints(value) > limit) problems[name] = "too_long";
    else if (!(name in problems) && badText(value)) problems[name] = "bad_character";
  }
  return problems;
}

/** Field -> problem code, exactly as sync.citizen.survey_problems. */
export function surveyProblems(values) {
  const problems = {};
  for (const e of SKM_ELEMENTS) {
    const score = values[e];
    if (!Number.isInteger(score) || score < 1 || score > 4) problems[e] = "choose";
  }
  const age = values.age;
  if (!Number.isInteger(age) || age < AGE_MIN || age > AGE_MAX) problems.age = "age_range";
  for (const [name, allowed] of [
    ["sex", SEXES],
    ["education", EDUCATION],
    ["occupation", OCCUPATIONS],
  ])
    if (!allowed.includes(values[name])) problems[name] = "choose";
  return problems;
}

/** A ticket code such as TK-7K3M-9QXD-4HTW (60 random bits), made offline. */
export function ticketCode(crypto = globalThis.crypto) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let body = "";
  for (const b of bytes) body += CODE_ALPHABET[b & 31];
  return `TK-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}`;
}

/** The ticket page's secret: 128 random bits, base64url. */
export function ticketToken(crypto = globalThis.crypto) {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

export function ticketUrl(origin, code, token) {
  return `${origin}/tiket/${encodeURIComponent(code)}?k=${encodeURIComponent(token)}`;
}

/** The mutation arguments for submit_feedback (text stripped, category only for complaints). */
export function feedbackArgs({ id, recordId, code, token, values }) {
  const args = {
    feedback_id: id,
    ticket_code: code,
    ticket_token: token,
    record_id: recordId,
    kind: values.kind,
    message: values.message.trim(),
  };
  if (values.kind === "pengaduan") args.category = values.category;
  const name = (values.contact_name || "").trim();
  const contact = (values.contact || "").trim();
  if (name) args.contact_name = name;
  if (contact) args.contact = contact;
  return args;
}

export function surveyArgs({ id, recordId, values }) {
  const answers = {};
  for (const e of SKM_ELEMENTS) answers[e] = values[e];
  return {
    survey_id: id,
    record_id: recordId,
    answers,
    age: values.age,
    sex: values.sex,
    education: values.education,
    occupation: values.occupation,
  };
}

/**
 * The state of a ticket or survey taken on this tablet: "pending" while its mutation waits in
 * the outbox, "rejected" (with the server's reason) if the server refused it, else "sent".
 */
export function entryState(entry, pending, idField) {
  if (pending.some((m) => m.args?.[idField] === entry.id)) return "pending";
  return entry.rejected ? "rejected" : "sent";
}

/** May this tablet take the survey for this record now? */
export function surveyOpen(record) {
  if (!SURVEY_STATUSES.has(record?.server?.status)) return false;
  const s = record.survey;
  return !s || Boolean(s.rejected && s.rejected.reason !== "already_rated");
}
