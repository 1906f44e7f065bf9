// The app's single Store, opened with idb's ESM build from /app/vendor/.
import { openDB, deleteDB } from "../vendor/idb.js";
import { openStore } from "../core/store.js";

let storePromise = null;
let wiped = false;

export function getStore() {
  if (wiped) return Promise.reject(new Error("this device was wiped"));
  if (!storePromise) storePromise = openStore(openDB, { deleteDB });
  return storePromise;
}

/** Drop the open Store; after a revocation wipe, refuse to create a new database. */
export function forgetStore({ dead = false } = {}) {
  storePromise = null;
  if (dead) wiped = true;
}

/** Ask for persistent storage once; report the answer and the space used and free. */
export async function storageInfo(ask = false) {
  const s = navigator.storage;
  if (!s) return { supported: false };
  let persisted = s.persisted ? await s.persisted() : false;
  if (ask && !persisted && s.persist) persisted = await s.persist();
  const est = s.estimate ? await s.estimate() : {};
  return { supported: true, persisted, usage: est.usage ?? null, quota: est.quota ?? null };
}

export function isQuotaError(err) {
  return !!err && (err.name === "QuotaExceededError" || err.inner?.name === "QuotaExceededError");
}

export function megabytes(bytes) {
  if (bytes === null || bytes === undefined) return "?";
  return `${(bytes / 1_048_576).toLocaleString("id-ID", { maximumFractionDigits: 1 })} MB`;
}
