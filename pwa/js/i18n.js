import { DEFAULT_TIME_ZONE, isTimeZone, localParts, todayIn, zoneLabel } from "../core/clock.js";

// Strings live in /app/i18n/<lang>.json (the built page carries the Indonesian ones in a
// <script type="application/json" id="strings-id"> block; the others are precached).
// t("key", {n: 3}) fills {n}.
let strings = {};
let fallback = {};
export let lang = "id";

function inPage(code) {
  const block = globalThis.document?.getElementById(`strings-${code}`);
  return block ? JSON.parse(block.textContent) : null;
}

export async function loadStrings(code) {
  const get = async (c) => inPage(c) ?? (await fetch(new URL(`../i18n/${c}.json`, import.meta.url))).json();
  fallback = await get("id");
  strings = code === "id" ? fallback : await get(code).catch(() => fallback);
  lang = code;
  document.documentElement.lang = code;
}

export function t(key, params = {}) {
  const s = strings[key] ?? fallback[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in params ? String(params[k]) : `{${k}}`));
}

/** A label from a form definition: {"id": "…", "en": "…"} or a plain string. */
export function pick(label) {
  if (label === null || label === undefined) return "";
  if (typeof label === "string") return label;
  return label[lang] ?? label.id ?? Object.values(label)[0] ?? "";
}

const MONTHS = {
  id: [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
  ],
  en: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
};

/** "12 Agustus 1990" from "1990-08-12". */
export function longDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return "";
  return `${Number(m[3])} ${(MONTHS[lang] || MONTHS.id)[Number(m[2]) - 1]} ${m[1]}`;
}

let timeZone = DEFAULT_TIME_ZONE;

/** The office's time zone, as the server sent it (kept on the tablet for offline starts). */
export function setTimeZone(name) {
  if (isTimeZone(name)) timeZone = name;
}

/** Today's date (YYYY-MM-DD) in the office's time zone. */
export function today() {
  return todayIn(timeZone);
}

/** Date and time in the office's time zone, e.g. "3 Desember 2026 12.05 WITA". */
export function dateTime(iso) {
  if (!iso) return "";
  const { date, time } = localParts(iso, timeZone);
  return `${longDate(date)} ${time} ${zoneLabel(timeZone, new Date(iso))}`;
}
