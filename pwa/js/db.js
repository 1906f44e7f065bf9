// The officers on this tablet and the one unlocked officer's Store (a sealed partition,
// core/officers.js). While the app is locked there is no Store and no key in memory.
import { openDB, deleteDB } from "../vendor/idb.js";
import { openOfficers, LEGACY_DB, sealLegacy } from "../core/officers.js";

let officersPromise = null;
let active = null; // { officer, store }
let wiped = false;
const lockListeners = new Set();

/** Asking for the Store while the app is locked. */
export class Locked extends Error {
  constructor() {
    super("the app is locked");
    this.name = "Locked";
  }
}

export function getOfficers() {
  if (!officersPromise) officersPromise = openOfficers(openDB, { deleteDB });
  return officersPromise;
}

export function getStore() {
  if (wiped) return Promise.reject(new Error("this device was wiped"));
  if (!active) return Promise.reject(new Locked());
  return Promise.resolve(active.store);
}

export const isUnlocked = () => !!active;
export const activeOfficer = () => active?.officer || null;

/** fn(locked: boolean) after every lock and unlock. */
export function onLockChange(fn) {
  lockListeners.add(fn);
  return () => lockListeners.delete(fn);
}

function setActive(next) {
  if (active && active !== next) active.store.db.close();
  active = next;
  for (const fn of lockListeners) fn(!active);
}

export async function unlock(username, secret) {
  const officers = await getOfficers();
  setActive(await officers.unlock(username, secret));
  await officers.setSetting("last_officer", username);
}

/** A new officer on this tablet: their own partition, locked by `secret`. */
export async function addOfficer(user, secret, kind) {
  const officers = await getOfficers();
  setActive(await officers.add({ username: user.username, full_name: user.full_name || "" }, secret, { kind }));
  await officers.setSetting("last_officer", user.username);
}

/** Drop the key and the decrypted rows from memory. */
export function lock() {
  if (active) setActive(null);
}

/** Delete the unlocked officer's partition (logout, revocation); other officers stay. */
export async function removeActiveOfficer() {
  const officer = active?.officer;
  setActive(null);
  if (officer) await (await getOfficers()).remove(officer.username);
  return officer;
}

/** After a revocation wipe with no officer left, refuse to create a new database. */
export function markWiped() {
  wiped = true;
}

/** The unsealed database of an app version before the lock, if one is still here. */
export async function legacyUser() {
  const names = (await indexedDB.databases?.()) || [];
  if (!names.some((d) => d.name === LEGACY_DB)) return null;
  const db = await openDB(LEGACY_DB);
  try {
    if (!db.objectStoreNames.contains("meta")) return null;
    const token = await db.get("meta", "token");
    const user = await db.get("meta", "user");
    return token && user?.username ? user : null;
  } finally {
    db.close();
  }
}

/** Seal the legacy database into a new partition for its officer, then delete it. */
export async function sealLegacyFor(user, secret) {
  await addOfficer(user, secret, "pin");
  const plain = await openDB(LEGACY_DB);
  try {
    await sealLegacy(plain, active.store);
  } finally {
    plain.close();
  }
  await deleteDB(LEGACY_DB);
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
