// Strings live in /app/i18n/<lang>.json (precached). t("key", {n: 3}) fills {n}.
let strings = {};
let fallback = {};
export let lang = "id";

export async function loadStrings(code) {
  const get = async (c) => (await fetch(new URL(`../i18n/${c}.json`, import.meta.url))).json();
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

/** Date and time in WITA (UTC+8), where the offices are. */
export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  const day = longDate(d.toISOString());
  const hm = d.toISOString().slice(11, 16).replace(":", ".");
  return `${day} ${hm} WITA`;
}
