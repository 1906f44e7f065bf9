// The tablet's list of officers, each with their own sealed partition (a separate IndexedDB
// database) and the vault header that unwraps its data key. The list itself holds no
// applicant data: username, display name, the partition's name, the wrapped key, and the
// wrong-secret counter that makes each further guess wait longer (kept here, so reloading
// the app does not reset it). DOM-free; openDB/deleteDB are passed in.
import { createVault, openVault, WrongSecret } from "./vault.js";
import { committed, openStore, SCHEMA } from "./store.js";

export const DIRECTORY_DB = "jemput-bola-officers";
export const LEGACY_DB = "jemput-bola"; // the plain database of app versions before the lock
export const MAX_DELAY_MS = 15 * 60_000;

/** Wait after the n-th wrong secret in a row: 1 s, 2 s, 4 s, … at most 15 minutes. */
export function delayAfter(failures) {
  if (failures <= 0) return 0;
  return Math.min(1000 * 2 ** (failures - 1), MAX_DELAY_MS);
}

/** Unlocking is refused until `until` (ms since the epoch): too many wrong secrets. */
export class TooSoon extends Error {
  constructor(waitMs) {
    super(`wait ${Math.ceil(waitMs / 1000)} s before the next try`);
    this.name = "TooSoon";
    this.waitMs = waitMs;
  }
}

function randomName() {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return `jemput-bola-p-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export async function openOfficers(openDB, { deleteDB, now = () => Date.now() } = {}) {
  const db = await openDB(DIRECTORY_DB, 1, {
    upgrade(d) {
      d.createObjectStore("officers", { keyPath: "username" });
      d.createObjectStore("settings");
    },
  });
  return new Officers(db, { openDB, deleteDB, now });
}

export class Officers {
  constructor(db, { openDB, deleteDB, now }) {
    this.db = db;
    this.openDB = openDB;
    this.deleteDB = deleteDB;
    this.now = now;
  }

  async list() {
    return (await this.db.getAll("officers")).map(({ vault: _vault, ...o }) => o);
  }
  async get(username) {
    return this.db.get("officers", username);
  }
  getSetting(name) {
    return this.db.get("settings", name);
  }
  setSetting(name, value) {
    return this.db.put("settings", value, name);
  }

  /** A new officer on this tablet: a fresh partition whose key is wrapped by `secret`. */
  async add({ username, full_name = "" }, secret, { kind = "pin", iterations } = {}) {
    if (await this.get(username)) throw new Error(`officer ${username} already has a partition here`);
    const { header, key } = await createVault(secret, iterations ? { iterations } : {});
    const officer = {
      username,
      full_name,
      partition: randomName(),
      vault: header,
      secret_kind: kind,
      failures: 0,
      wait_until: 0,
      created_at: new Date(this.now()).toISOString(),
    };
    await this.db.put("officers", officer);
    return { officer, store: await this.openPartition(officer, key) };
  }

  openPartition(officer, key) {
    return openStore(this.openDB, { name: officer.partition, deleteDB: this.deleteDB, key });
  }

  /** How long `username` must still wait before trying again (0: try now). */
  async waitMs(username) {
    const o = await this.get(username);
    return o ? Math.max(0, (o.wait_until || 0) - this.now()) : 0;
  }

  /**
   * Unwrap `username`'s key with `secret` and open their partition. A wrong secret counts
   * (persisted) and sets the next wait; it never deletes anything.
   */
  async unlock(username, secret) {
    const o = await this.get(username);
    if (!o) throw new Error(`no officer ${username} on this tablet`);
    const wait = (o.wait_until || 0) - this.now();
    if (wait > 0) throw new TooSoon(wait);
    let key;
    try {
      key = await openVault(o.vault, secret);
    } catch (err) {
      if (!(err instanceof WrongSecret)) throw err;
      const failures = (o.failures || 0) + 1;
      const delay = delayAfter(failures);
      await this.db.put("officers", { ...o, failures, wait_until: this.now() + delay });
      err.failures = failures;
      err.waitMs = delay;
      throw err;
    }
    if (o.failures) await this.db.put("officers", { ...o, failures: 0, wait_until: 0 });
    return { officer: o, store: await this.openPartition(o, key) };
  }

  /** Change the secret: the same data key wrapped anew (nothing is re-encrypted). */
  async setVault(username, header, kind) {
    const o = await this.get(username);
    await this.db.put("officers", { ...o, vault: header, secret_kind: kind, failures: 0, wait_until: 0 });
  }

  /** Remove an officer and their partition (logout or revocation). Others stay. */
  async remove(username) {
    const o = await this.get(username);
    if (!o) return;
    await this.db.delete("officers", username);
    if (this.deleteDB) await this.deleteDB(o.partition);
  }

  close() {
    this.db.close();
  }
}

/**
 * Move a plain database from before the lock (LEGACY_DB) into a sealed partition: every
 * row, photos included, in one transaction; the plain database is deleted only afterwards.
 */
export async function sealLegacy(plainDb, store) {
  const names = Object.keys(SCHEMA);
  const rows = {};
  for (const name of names) {
    rows[name] = { keys: await plainDb.getAllKeys(name), values: await plainDb.getAll(name) };
  }
  const tx = store.db.transaction(names, "readwrite");
  for (const name of names) {
    const os = tx.objectStore(name);
    rows[name].values.forEach((v, i) => os.put(v, SCHEMA[name].keyPath ? undefined : rows[name].keys[i]));
  }
  await committed(tx);
  return Object.fromEntries(names.map((n) => [n, rows[n].values.length]));
}
