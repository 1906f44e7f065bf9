import { test } from "node:test";
import assert from "node:assert/strict";
import { isTimeZone, localParts, todayIn, zoneLabel } from "../../pwa/core/clock.js";

test("times are shown in the office's zone, not the tablet's or a fixed +8 h", () => {
  const instant = "2026-12-03T16:30:00Z";
  assert.deepEqual(localParts(instant, "Asia/Makassar"), { date: "2026-12-04", time: "00.30" });
  assert.deepEqual(localParts(instant, "Asia/Jakarta"), { date: "2026-12-03", time: "23.30" });
  assert.deepEqual(localParts(instant, "Asia/Jayapura"), { date: "2026-12-04", time: "01.30" });
  assert.equal(zoneLabel("Asia/Makassar"), "WITA");
  assert.equal(zoneLabel("Asia/Jakarta"), "WIB");
  assert.equal(zoneLabel("Asia/Jayapura"), "WIT");
  assert.equal(zoneLabel("Asia/Bangkok"), "UTC+7");
});

test("today changes at the office's midnight", () => {
  const lateEvening = Date.parse("2026-12-03T15:59:00Z"); // 23.59 WITA
  assert.equal(todayIn("Asia/Makassar", lateEvening), "2026-12-03");
  assert.equal(todayIn("Asia/Makassar", lateEvening + 60_000), "2026-12-04");
  assert.equal(todayIn("Asia/Jakarta", lateEvening + 60_000), "2026-12-03");
});

test("only real zone names are accepted from the server", () => {
  assert.equal(isTimeZone("Asia/Makassar"), true);
  assert.equal(isTimeZone("+08:00 WITA"), false);
  assert.equal(isTimeZone(""), false);
  assert.equal(isTimeZone(undefined), false);
});
