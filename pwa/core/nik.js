// NIK (Nomor Induk Kependudukan): 16 digits PP KK CC DDMMYY SSSS, day + 40 for women.
// Rules and codes follow tests/fixtures/validation/nik.json (shared with the server).
// Region and stated-data mismatches are warnings, never rejections.

export const PROVINCE_CODES = new Set(
  "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 91 92 93 94 95 96".split(
    " ",
  ),
);

const pad = (n) => String(n).padStart(2, "0");

function realDate(y, m, d) {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/**
 * Check an NIK as the officer types it.
 * @param {string} input
 * @param {{today?: Date, knownRegions?: Set<string>|null, stated?: {birth_date?: string, sex?: string}}} [opts]
 *   knownRegions: dotted region codes the device knows ("63", "63.71", …).
 * @returns {{value: string|null, birth_date: string|null, sex: "L"|"P"|null, region: string|null,
 *   errors: string[], warnings: string[]}}
 */
export function checkNik(input, opts = {}) {
  const today = opts.today ?? new Date();
  const stated = opts.stated ?? {};
  const empty = (errors) => ({ value: null, birth_date: null, sex: null, region: null, errors, warnings: [] });
  const digits = String(input ?? "").replace(/[\s.]/g, "");
  if (digits === "") return empty(["nik_empty"]);
  if (!/^\d+$/.test(digits)) return empty(["nik_not_digits"]);
  if (digits.length !== 16) return empty(["nik_length"]);

  const errors = [];
  const rawDay = Number(digits.slice(6, 8));
  const month = Number(digits.slice(8, 10));
  const yy = digits.slice(10, 12);
  const female = rawDay >= 41 && rawDay <= 71;
  const dayOk = (rawDay >= 1 && rawDay <= 31) || female;
  const day = female ? rawDay - 40 : rawDay;
  const monthOk = month >= 1 && month <= 12;
  if (!dayOk) errors.push("nik_day");
  if (!monthOk) errors.push("nik_month");
  let birth = null;
  if (dayOk && monthOk) {
    const statedMatch = /^(\d{4})-(\d{2})-(\d{2})$/.exec(stated.birth_date || "");
    let year = 2000 + Number(yy);
    if (
      statedMatch &&
      statedMatch[1].slice(2) === yy &&
      Number(statedMatch[2]) === month &&
      Number(statedMatch[3]) === day
    ) {
      year = Number(statedMatch[1]);
    } else if (!realDate(year, month, day) || isoDay(new Date(Date.UTC(year, month - 1, day))) > isoDay(today)) {
      year -= 100;
    }
    if (!realDate(year, month, day) && !realDate(year + 100, month, day)) errors.push("nik_date");
    else if (!realDate(year, month, day)) year += 100;
    if (!errors.includes("nik_date")) birth = `${year}-${pad(month)}-${pad(day)}`;
  }
  if (digits.slice(12) === "0000") errors.push("nik_serial");
  if (errors.length) return empty(errors);

  const sex = female ? "P" : "L";
  const prov = digits.slice(0, 2);
  const regency = `${prov}.${digits.slice(2, 4)}`;
  const warnings = [];
  if (!PROVINCE_CODES.has(prov)) warnings.push("nik_province_unknown");
  else if (opts.knownRegions?.has(prov) && !opts.knownRegions.has(regency)) warnings.push("nik_regency_unknown");
  if (stated.birth_date && stated.birth_date !== birth) warnings.push("nik_birth_date_mismatch");
  if (stated.sex && stated.sex !== sex) warnings.push("nik_sex_mismatch");
  const t = today;
  const seventeen = `${t.getUTCFullYear() - 17}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  if (birth > seventeen) warnings.push("nik_age_under_17");
  return { value: digits, birth_date: birth, sex, region: `${regency}.${digits.slice(4, 6)}`, errors, warnings };
}
