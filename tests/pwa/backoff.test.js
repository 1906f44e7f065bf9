import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, parseRetryAfter } from "../../pwa/core/backoff.js";

test("backoff grows, is capped, jitters and honours Retry-After", () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  assert.equal(backoffDelay(1, { random: lo, baseMs: 1000, maxMs: 60000 }), 1000);
  assert.ok(backoffDelay(3, { random: hi, baseMs: 1000, maxMs: 60000 }) <= 8000);
  assert.ok(backoffDelay(3, { random: lo, baseMs: 1000, maxMs: 60000 }) >= 4000);
  assert.equal(backoffDelay(30, { random: hi, baseMs: 1000, maxMs: 60000 }), 60000);
  assert.equal(backoffDelay(1, { random: lo, baseMs: 1000, retryAfterMs: 30000 }), 30000);
  assert.equal(parseRetryAfter("7"), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 5_000), 5000);
  assert.equal(parseRetryAfter(null), 0);
});
