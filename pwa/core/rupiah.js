// Whole-rupiah amounts. Rules and codes follow tests/fixtures/validation/rupiah.json.

export function formatRupiah(value) {
  if (value === null || value === undefined || value === "") return "";
  const n = Math.trunc(Number(value));
  if (!Number.isFinite(n)) return "";
  const sign = n < 0 ? "-" : "";
  return `${sign}Rp${String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

const ok = (value) => ({ value, errors: [], warnings: [] });
const fail = (code) => ({ value: null, errors: [code], warnings: [] });

/** Parse what the officer typed (or a JSON number) into whole rupiah. */
export function parseRupiah(input) {
  if (input === null || input === undefined) return fail("rupiah_empty");
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return fail("rupiah_format");
    if (input < 0) return fail("rupiah_negative");
    if (!Number.isInteger(input)) return fail("rupiah_cents");
    return ok(input);
  }
  if (typeof input !== "string") return fail("rupiah_format");
  let s = input.trim().replace(/^(rp\.?|idr)\s*/i, "");
  if (s === "") return fail("rupiah_empty");
  if (s.includes("-") && !/^[^-]*,-$/.test(s)) return fail("rupiah_negative");
  const m = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2})|,-)?$/.exec(s);
  if (!m) return fail("rupiah_format");
  if (m[2] && Number(m[2]) !== 0) return fail("rupiah_cents");
  const n = Number(m[1].replace(/\./g, ""));
  return Number.isSafeInteger(n) ? ok(n) : fail("rupiah_format");
}
