// The officer's vault: a random AES-GCM data key, wrapped by a key derived from the
// officer's secret (password or PIN) with PBKDF2-SHA256. DOM-free (Web Crypto only), so
// node tests run it as it is.
export const KDF_ITERATIONS = 600_000; // OWASP 2023 for PBKDF2-HMAC-SHA256; see docs/field-app.md
export const MIN_PIN_DIGITS = 6;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The secret was wrong (or the wrapped key was altered): nothing was unlocked. */
export class WrongSecret extends Error {
  constructor() {
    super("wrong PIN or password");
    this.name = "WrongSecret";
  }
}

/** A stored value failed its integrity check: it was altered or belongs elsewhere. */
export class Tampered extends Error {
  constructor(where) {
    super(`stored data failed its integrity check (${where}); it was not shown`);
    this.name = "Tampered";
    this.where = where;
  }
}

function subtle() {
  return globalThis.crypto.subtle;
}

function random(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

async function deriveWrappingKey(secret, salt, iterations) {
  const base = await subtle().importKey("raw", enc.encode(secret.normalize("NFC")), "PBKDF2", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

/**
 * A new vault for `secret`: answers the data key (not extractable once unwrapped) and the
 * header to store, which holds only the salt, the cost and the wrapped key.
 */
export async function createVault(secret, { iterations = KDF_ITERATIONS } = {}) {
  const salt = random(16);
  const iv = random(12);
  const dataKey = await subtle().generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const wrapping = await deriveWrappingKey(secret, salt, iterations);
  const wrapped = await subtle().wrapKey("raw", dataKey, wrapping, { name: "AES-GCM", iv });
  const header = { v: 1, kdf: "PBKDF2-SHA256", iterations, salt, iv, wrapped: new Uint8Array(wrapped) };
  return { header, key: await openVault(header, secret) };
}

/** Unwrap the data key with `secret`; throws WrongSecret when it does not fit. */
export async function openVault(header, secret) {
  if (header?.v !== 1 || header.kdf !== "PBKDF2-SHA256") throw new Error("unknown vault format");
  const wrapping = await deriveWrappingKey(secret, header.salt, header.iterations);
  try {
    return await subtle().unwrapKey(
      "raw",
      header.wrapped,
      wrapping,
      { name: "AES-GCM", iv: header.iv },
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  } catch {
    throw new WrongSecret();
  }
}

/** Same data key under a new secret (changing the PIN re-wraps; no data is re-encrypted). */
export async function rewrapVault(header, oldSecret, newSecret, { iterations = KDF_ITERATIONS } = {}) {
  const wrapping = await deriveWrappingKey(oldSecret, header.salt, header.iterations);
  let raw;
  try {
    // unwrap as extractable only for this moment, to wrap it again
    const key = await subtle().unwrapKey(
      "raw",
      header.wrapped,
      wrapping,
      { name: "AES-GCM", iv: header.iv },
      { name: "AES-GCM", length: 256 },
      true,
      ["encrypt", "decrypt"],
    );
    raw = key;
  } catch {
    throw new WrongSecret();
  }
  const salt = random(16);
  const iv = random(12);
  const next = await deriveWrappingKey(newSecret, salt, iterations);
  const wrapped = await subtle().wrapKey("raw", raw, next, { name: "AES-GCM", iv });
  return { v: 1, kdf: "PBKDF2-SHA256", iterations, salt, iv, wrapped: new Uint8Array(wrapped) };
}

/** A PIN is at least 6 digits; a password is anything the server accepted. */
export function pinProblem(pin) {
  if (!/^[0-9]+$/.test(pin)) return "pin_digits";
  if (pin.length < MIN_PIN_DIGITS) return "pin_short";
  if (/^(\d)\1+$/.test(pin) || "01234567890".includes(pin) || "09876543210".includes(pin)) return "pin_easy";
  return null;
}

// ---- sealing values --------------------------------------------------------------
// `aad` names where the value lives (store and key), so a sealed value copied to another
// row fails to open instead of showing the wrong applicant.

export async function sealBytes(key, bytes, aad) {
  const iv = random(12);
  const ct = await subtle().encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(aad) }, key, bytes);
  return { iv, ct: new Uint8Array(ct) };
}

export async function openBytes(key, sealed, aad) {
  if (!sealed || !sealed.iv || !sealed.ct) throw new Tampered(aad);
  try {
    const pt = await subtle().decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: enc.encode(aad) }, key, sealed.ct);
    return new Uint8Array(pt);
  } catch {
    throw new Tampered(aad);
  }
}

export function sealJson(key, value, aad) {
  return sealBytes(key, enc.encode(JSON.stringify(value === undefined ? null : value)), aad);
}

export async function openJson(key, sealed, aad) {
  if (!sealed || !sealed.iv || !sealed.ct) throw new Tampered(aad);
  let pt;
  try {
    pt = await subtle().decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: enc.encode(aad) }, key, sealed.ct);
  } catch {
    throw new Tampered(aad);
  }
  return JSON.parse(dec.decode(pt));
}

/** Time one key derivation with the given cost (for the settings screen and the benchmark). */
export async function measureKdf(iterations = KDF_ITERATIONS) {
  const t0 = performance.now();
  await deriveWrappingKey("000000", random(16), iterations);
  return performance.now() - t0;
}
