// The golden validation cases shared with the server (tests/fixtures/validation/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkNik, PROVINCE_CODES } from "../../pwa/core/nik.js";
import { checkPhone, displayPhone } from "../../pwa/core/phone.js";
import { formatRupiah, parseRupiah } from "../../pwa/core/rupiah.js";

const load = (name) => JSON.parse(readFileSync(new URL(`../fixtures/validation/${name}`, import.meta.url)));

const nik = load("nik.json");
test("the province list matches the golden one", () => {
  assert.deepEqual([...PROVINCE_CODES].sort(), [...nik.rules.province_codes].sort());
});
for (const c of nik.cases) {
  test(`NIK: ${c.name}`, () => {
    const r = checkNik(c.input, {
      today: new Date(`${nik.today}T12:00:00Z`),
      knownRegions: new Set(nik.known_region_codes),
      stated: c.stated,
    });
    assert.deepEqual(r, c.expect);
  });
}

const phone = load("phone.json");
for (const c of phone.cases) {
  test(`phone: ${JSON.stringify(c.input)}${c.require_mobile ? " (mobile only)" : ""}`, () => {
    assert.deepEqual(checkPhone(c.input, { requireMobile: !!c.require_mobile }), c.expect);
  });
}
test("a stored number displays as written locally", () => {
  assert.equal(displayPhone("+6281234567890"), "0812-3456-7890");
});

const rupiah = load("rupiah.json");
for (const c of rupiah.cases) {
  test(`rupiah parse: ${JSON.stringify(c.input)}`, () => assert.deepEqual(parseRupiah(c.input), c.expect));
}
for (const c of rupiah.format) {
  test(`rupiah format: ${c.value}`, () => assert.equal(formatRupiah(c.value), c.text));
}
