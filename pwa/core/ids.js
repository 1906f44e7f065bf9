// Identifiers made on the device, offline, from crypto.getRandomValues.

// 32 symbols without 0/O and 1/I, so 5 bits per character with no modulo bias.
export const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_GROUPS = 3;
const GROUP_LEN = 4;
export const TRACKING_CODE_BITS = CODE_GROUPS * GROUP_LEN * 5; // 60
export const TRACKING_CODE_RE = /^JB(-[2-9A-HJ-NP-Z]{4}){3}$/;

function randomBytes(n, crypto = globalThis.crypto) {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

/** A human tracking code such as JB-7K3M-9QXD-4HTW (60 random bits). */
export function trackingCode(crypto = globalThis.crypto) {
  const bytes = randomBytes(CODE_GROUPS * GROUP_LEN, crypto);
  const groups = [];
  for (let g = 0; g < CODE_GROUPS; g++) {
    let s = "";
    for (let i = 0; i < GROUP_LEN; i++) s += CODE_ALPHABET[bytes[g * GROUP_LEN + i] & 31];
    groups.push(s);
  }
  return `JB-${groups.join("-")}`;
}

/** Normalise what a person typed: upper case, no spaces, O→0 is not possible so O→Q is not guessed. */
export function normaliseTrackingCode(input) {
  const raw = String(input || "")
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, "");
  const body = raw.startsWith("JB") ? raw.slice(2) : raw;
  if (body.length !== CODE_GROUPS * GROUP_LEN) return null;
  const code = `JB-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}`;
  return TRACKING_CODE_RE.test(code) ? code : null;
}

export function base64url(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The citizen status link's secret: 128 random bits, base64url (22 characters). */
export function statusToken(crypto = globalThis.crypto) {
  return base64url(randomBytes(16, crypto));
}

export function uuid(crypto = globalThis.crypto) {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = randomBytes(16, crypto);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The citizen's status link, as printed in the receipt's QR code. */
export function statusUrl(origin, code, token) {
  return `${origin}/t/${encodeURIComponent(code)}?k=${encodeURIComponent(token)}`;
}
