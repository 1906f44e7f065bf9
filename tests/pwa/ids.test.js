import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CODE_ALPHABET,
  TRACKING_CODE_BITS,
  TRACKING_CODE_RE,
  normaliseTrackingCode,
  statusToken,
  statusUrl,
  trackingCode,
  uuid,
} from "../../pwa/core/ids.js";

test("the alphabet has 32 unambiguous symbols", () => {
  assert.equal(new Set(CODE_ALPHABET).size, 32);
  for (const c of "01IO") assert.ok(!CODE_ALPHABET.includes(c), c);
  assert.ok(TRACKING_CODE_BITS >= 60);
});

test("tracking codes have the documented shape and do not repeat", () => {
  const seen = new Set();
  for (let i = 0; i < 2000; i++) {
    const c = trackingCode();
    assert.match(c, TRACKING_CODE_RE);
    seen.add(c);
  }
  assert.equal(seen.size, 2000);
});

test("tracking codes use every bit the random source gives", () => {
  const fake = { getRandomValues: (a) => a.fill(31) };
  assert.equal(trackingCode(fake), "JB-ZZZZ-ZZZZ-ZZZZ");
  const zero = { getRandomValues: (a) => a.fill(0) };
  assert.equal(trackingCode(zero), "JB-2222-2222-2222");
});

test("typed codes are normalised", () => {
  assert.equal(normaliseTrackingCode(" jb 7k3m 9qxd 4htw "), "JB-7K3M-9QXD-4HTW");
  assert.equal(normaliseTrackingCode("JB-7K3M-9QXD"), null);
  assert.equal(normaliseTrackingCode("JB-7K3M-9QXD-4HT0"), null);
});

test("status tokens carry 128 random bits in base64url", () => {
  const t = statusToken();
  assert.match(t, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(statusToken(), t);
  const bytes = Buffer.from(t, "base64url");
  assert.equal(bytes.length, 16);
});

test("status link and uuid", () => {
  assert.equal(statusUrl("https://x.id", "JB-2222-2222-2222", "a_b-c"), "https://x.id/t/JB-2222-2222-2222?k=a_b-c");
  assert.match(uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
