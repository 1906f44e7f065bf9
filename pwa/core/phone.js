// Indonesian phone numbers → E.164. Rules and codes follow tests/fixtures/validation/phone.json.

const TWO_DIGIT_AREAS = new Set(["21", "22", "24", "31", "61"]);
const MOBILE_GROUPS = { 10: [4, 3, 3], 11: [4, 3, 4], 12: [4, 4, 4], 13: [4, 4, 5] };

const fail = (code) => ({ value: null, display: null, kind: null, errors: [code], warnings: [] });

/** @returns {{value: string|null, display: string|null, kind: "mobile"|"landline"|null, errors: string[], warnings: string[]}} */
export function checkPhone(input, { requireMobile = false } = {}) {
  const raw = String(input ?? "");
  if (/[^\d\s\-.()+]/.test(raw)) return fail("phone_chars");
  let s = raw.replace(/[\s\-.()]/g, "");
  if (s === "") return fail("phone_empty");
  if (s.startsWith("00")) s = `+${s.slice(2)}`;
  let national;
  if (s.startsWith("+")) {
    if (!s.startsWith("+62")) return fail(/^\+\d/.test(s) ? "phone_country" : "phone_chars");
    national = s.slice(3);
  } else if (s.startsWith("62")) national = s.slice(2);
  else if (s.startsWith("0")) national = s.slice(1);
  else return fail("phone_prefix");
  if (!/^\d*$/.test(national)) return fail("phone_chars");
  if (national.startsWith("0") && (s.startsWith("+62") || s.startsWith("62"))) national = national.slice(1);
  if (national.startsWith("8")) {
    if (!/^8[1-35-9]/.test(national)) return fail("phone_mobile_prefix");
    if (national.length < 9 || national.length > 12) return fail("phone_mobile_length");
    return {
      value: `+62${national}`,
      display: mobileDisplay(`0${national}`),
      kind: "mobile",
      errors: [],
      warnings: [],
    };
  }
  if (/^[2-79]/.test(national)) {
    if (national.length < 7 || national.length > 11) return fail("phone_landline_length");
    if (requireMobile) return fail("phone_not_mobile");
    const n = TWO_DIGIT_AREAS.has(national.slice(0, 2)) ? 2 : 3;
    return {
      value: `+62${national}`,
      display: `(0${national.slice(0, n)}) ${national.slice(n)}`,
      kind: "landline",
      errors: [],
      warnings: [],
    };
  }
  return fail("phone_invalid");
}

function mobileDisplay(local) {
  const groups = MOBILE_GROUPS[local.length];
  const parts = [];
  let i = 0;
  for (const g of groups) {
    parts.push(local.slice(i, i + g));
    i += g;
  }
  return parts.join("-");
}

/** Display form of a stored E.164 number. */
export function displayPhone(e164) {
  if (!e164) return "";
  return checkPhone(e164).display ?? e164;
}
