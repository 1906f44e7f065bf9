// The server's check of submitted values (server/services/forms/values.py), made on the
// tablet before a receipt is issued, from the same form definition. DOM-free. Where the two
// languages differ (Unicode digits and spaces, ISO time formats) this side is the stricter
// one, and values must be in the canonical form the field app stores (an NIK of 16 digits,
// a phone in E.164, whole rupiah as a number): tests/pwa/test_formcheck_property.py proves
// that whatever this accepts for submission, the server accepts too.
import { checkNik } from "./nik.js";
import { checkPhone } from "./phone.js";

export const DEFAULT_MAX_LENGTH = { text: 200, textarea: 4000 };
export const DEFAULT_MAX_ACCURACY_M = 100;
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);
const IMAGE_KEYS = ["sha256", "kind", "content_type", "size"];
const IMAGE_OPTIONAL_KEYS = ["width", "height", "captured_at", "filename"];
const GPS_KEYS = ["accuracy_m", "captured_at", "lat", "lon"];
const INDONESIA_BOX = [-11.5, 6.5, 94.5, 141.5];
// Python's str.strip() set (str.isspace), which the server trims with.
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const CONTROL = { text: /[\x00-\x1f]/, textarea: /[\x00-\x08\x0b-\x1f]/ };
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const VILLAGE = /^\d{2}\.\d{2}\.\d{2}\.\d{4}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}|\d{6}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

export const pyStrip = (s) => s.replace(PY_STRIP, "");
const codePoints = (s) => [...s].length;
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
const problem = (code, params = {}) => ({ code, ...params });

/** "YYYY-MM-DD" of a real calendar day, else null. */
export function isoDay(value) {
  const m = typeof value === "string" ? ISO_DAY.exec(value) : null;
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  d.setUTCFullYear(Number(m[1]));
  const ok = d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1;
  return ok && d.getUTCDate() === Number(m[3]) && Number(m[1]) >= 1 ? value : null;
}

/** Today in WITA (UTC+8), where the offices are: "YYYY-MM-DD". */
export function witaToday(now = new Date()) {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export function dateBound(bound, today) {
  return bound === "today" ? today : bound;
}

function realTimestamp(value) {
  const m = typeof value === "string" ? TIMESTAMP.exec(value) : null;
  if (!m) return null;
  if (!isoDay(`${m[1]}-${m[2]}-${m[3]}`)) return null;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return null;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const ms = Date.parse(m[8] === "Z" ? value : value);
  return Number.isFinite(ms) ? ms : null;
}

function bounds(f, value, show) {
  if (f.min !== undefined && value < f.min) return [problem("too_small", { n: show(f.min) })];
  if (f.max !== undefined && value > f.max) return [problem("too_large", { n: show(f.max) })];
  return [];
}

const showDay = (iso) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
const showRupiah = (n) => `Rp${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;

function text(f, value) {
  if (typeof value !== "string") return [problem("text_type")];
  const s = pyStrip(value);
  if (CONTROL[f.type].test(s) || LONE_SURROGATE.test(s)) return [problem("text_control")];
  const max = f.max_length ?? DEFAULT_MAX_LENGTH[f.type];
  if (codePoints(s) > max) return [problem("text_too_long", { n: max })];
  if (codePoints(s) < (f.min_length ?? 0)) return [problem("text_too_short", { n: f.min_length })];
  if (f.pattern !== undefined && !new RegExp(`^(?:${f.pattern})$`).test(s)) return [problem("text_pattern")];
  return [];
}

function number(f, value) {
  if (!isNumber(value)) return [problem("number_type")];
  if (f.integer && !Number.isInteger(value)) return [problem("number_integer")];
  return bounds(f, value, String);
}

function date(f, value, ctx) {
  const day = isoDay(value);
  if (!day) return [problem("date_format")];
  const b = {};
  for (const k of ["min", "max"]) if (f[k] !== undefined) b[k] = dateBound(f[k], ctx.today);
  return bounds(b, day, showDay);
}

function choice(f, value) {
  const allowed = (f.options || []).map((o) => o.value);
  if (!f.multiple) return allowed.includes(value) ? [] : [problem("choice_invalid")];
  if (!Array.isArray(value) || !value.every((x) => typeof x === "string")) return [problem("choice_invalid")];
  if (new Set(value).size !== value.length || !value.every((x) => allowed.includes(x)))
    return [problem("choice_invalid")];
  return [];
}

function region(f, value, ctx) {
  if (typeof value !== "string" || !VILLAGE.test(value) || value.startsWith("00")) return [problem("region_village")];
  if (ctx.knownRegion && !ctx.knownRegion(value)) return [problem("region_unknown", { code: value })];
  return [];
}

function nik(f, value, ctx) {
  if (typeof value !== "string") return [problem("text_type")];
  if (!/^[0-9]*$/.test(value)) return [problem("nik_not_digits")];
  if (value.length !== 16) return [problem("nik_length")];
  const r = checkNik(value, { today: new Date(`${ctx.today}T00:00:00Z`) });
  return r.errors.map((code) => problem(code));
}

function phone(f, value) {
  if (typeof value !== "string") return [problem("text_type")];
  const r = checkPhone(value, { requireMobile: !!f.mobile });
  if (r.errors.length) return r.errors.map((code) => problem(code));
  return r.value === value ? [] : [problem("phone_chars")];
}

function email(f, value) {
  if (typeof value !== "string") return [problem("text_type")];
  if (value !== pyStrip(value) || value.length > 254 || !EMAIL.test(value)) return [problem("email_format")];
  return [];
}

function rupiah(f, value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return [problem("rupiah_format")];
  if (value < 0) return [problem("rupiah_negative")];
  if (!Number.isSafeInteger(value)) return [problem(Number.isInteger(value) ? "rupiah_format" : "rupiah_cents")];
  return bounds(f, value, showRupiah);
}

function image(f, value) {
  if (!isObject(value)) return [problem("image_invalid")];
  const keys = Object.keys(value);
  if (!IMAGE_KEYS.every((k) => keys.includes(k))) return [problem("image_invalid")];
  if (keys.some((k) => !IMAGE_KEYS.includes(k) && !IMAGE_OPTIONAL_KEYS.includes(k))) return [problem("image_invalid")];
  if (typeof value.sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(value.sha256)) return [problem("image_invalid")];
  if (!IMAGE_TYPES.has(value.content_type)) return [problem("image_type")];
  if (!Number.isInteger(value.size) || value.size <= 0 || value.size > MAX_IMAGE_BYTES) return [problem("image_size")];
  if (value.kind !== (f.type === "signature" ? "signature" : f.kind)) return [problem("image_kind")];
  return [];
}

function gps(f, value) {
  if (!isObject(value)) return [problem("gps_invalid")];
  const keys = Object.keys(value).sort();
  if (keys.length !== GPS_KEYS.length || keys.some((k, i) => k !== GPS_KEYS[i])) return [problem("gps_invalid")];
  const { lat, lon, accuracy_m: acc } = value;
  if (![lat, lon, acc].every(isNumber)) return [problem("gps_invalid")];
  if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && acc >= 0)) return [problem("gps_invalid")];
  if (realTimestamp(value.captured_at) === null) return [problem("gps_invalid")];
  return [];
}

function gpsWarnings(f, value, ctx) {
  const out = [];
  const [south, north, west, east] = INDONESIA_BOX;
  if (!(value.lat >= south && value.lat <= north && value.lon >= west && value.lon <= east))
    out.push(problem("gps_outside_indonesia"));
  const limit = f.max_accuracy_m ?? DEFAULT_MAX_ACCURACY_M;
  if (value.accuracy_m > limit)
    out.push(problem("gps_inaccurate", { acc: Math.round(value.accuracy_m), limit: Math.round(limit) }));
  if (realTimestamp(value.captured_at) > ctx.now.getTime() + 10 * 60_000) out.push(problem("gps_future"));
  return out;
}

function checklist(f, value, ctx) {
  const codes = (ctx.definition.required_documents || []).map((d) => d.code);
  if (!Array.isArray(value) || !value.every((x) => typeof x === "string"))
    return [problem("checklist_invalid", { codes: "?" })];
  const unknown = value.filter((x) => !codes.includes(x));
  const repeated = value.filter((x, i) => value.indexOf(x) !== i);
  if (unknown.length || repeated.length)
    return [problem("checklist_invalid", { codes: [...new Set(unknown.length ? unknown : repeated)].sort().join(", ") })];
  return [];
}

const CHECKERS = {
  text,
  textarea: text,
  number,
  date,
  choice,
  region,
  nik,
  phone,
  email,
  rupiah,
  photo: image,
  signature: image,
  gps,
  checklist,
};

export function formFields(definition) {
  return (definition.sections || []).flatMap((s) => s.fields || []);
}

function isEmpty(value) {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return pyStrip(value) === "";
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/**
 * Check values against a form definition as the server will.
 * @param {object} definition the form definition (the same JSON the server holds)
 * @param {object} values field name -> value, as the app stores them
 * @param {{complete?: boolean, knownRegion?: (code: string) => boolean, now?: Date}} [opts]
 *   complete: a submission (required fields must be filled); knownRegion: villages the
 *   tablet knows (the officer's area); without it region codes are checked for shape only.
 * @returns {{ok: boolean, errors: Record<string, object[]>, warnings: Record<string, object[]>}}
 *   each problem is {code, ...params}; codes are the server's.
 */
export function checkValues(definition, values, { complete = true, knownRegion = null, now = new Date() } = {}) {
  const errors = {};
  const warnings = {};
  if (!isObject(values)) return { ok: false, errors: { _form: [problem("values_not_object")] }, warnings };
  const ctx = { definition, values, knownRegion, now, today: witaToday(now) };
  const fields = formFields(definition);
  const names = new Set(fields.map((f) => f.name));
  for (const extra of Object.keys(values).sort()) if (!names.has(extra)) errors[extra] = [problem("unknown_field")];
  for (const f of fields) {
    const value = values[f.name];
    if (isEmpty(value)) {
      if (f.required && complete) errors[f.name] = [problem("required")];
      continue;
    }
    const found = (CHECKERS[f.type] || text)(f, value, ctx);
    if (found.length) errors[f.name] = found;
    else if (f.type === "gps") {
      const w = gpsWarnings(f, value, ctx);
      if (w.length) warnings[f.name] = w;
    }
  }
  return { ok: Object.keys(errors).length === 0, errors, warnings };
}
