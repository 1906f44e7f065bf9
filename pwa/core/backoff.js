// Exponential backoff with full jitter; a server's Retry-After is a floor.

export const BACKOFF = { baseMs: 5_000, maxMs: 15 * 60_000 };

export function backoffDelay(attempt, { random = Math.random, retryAfterMs = 0, ...o } = {}) {
  const baseMs = o.baseMs ?? BACKOFF.baseMs;
  const maxMs = o.maxMs ?? BACKOFF.maxMs;
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const jittered = Math.round(cap / 2 + random() * (cap / 2));
  return Math.max(jittered, retryAfterMs);
}

/** Retry-After as seconds or an HTTP date → milliseconds (0 when absent or unreadable). */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined || value === "") return 0;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}
