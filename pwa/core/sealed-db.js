// An officer's encrypted partition: every value in IndexedDB is sealed with AES-GCM under
// the officer's data key. After unlocking, the rows are opened once into memory; reads come
// from there and each write transaction seals what it changed and stores it in ONE
// IndexedDB transaction. (Web Crypto is asynchronous, and an IndexedDB transaction commits
// as soon as it has no pending request, so sealing cannot happen inside one.)
//
// It answers the part of idb's API the Store uses: get/put/getAll/count/getAllFromIndex,
// transaction(...).objectStore(...).get/put/add/delete/getAll/clear/count/index().getAll,
// tx.store, tx.done, tx.abort(). Write transactions run one after another, like
// IndexedDB's readwrite transactions on overlapping stores.
//
// Photo blobs live sealed in their own object store and are opened only when one photo is
// asked for (db.get("photos", sha)); listings of photos carry no blob.
import { openBytes, openJson, sealBytes, sealJson, Tampered } from "./vault.js";

const BLOBS = "photo_blobs";
const GONE = Symbol("deleted");

function compareKeys(a, b) {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const copy = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const aadOf = (store, key) => `${store}/${JSON.stringify(key)}`;

function withoutBlob(value) {
  if (!value || typeof value !== "object" || !("blob" in value)) return value;
  const { blob: _blob, ...rest } = value;
  return rest;
}

/**
 * Open (creating on first use) the partition `name` with `key`. `schema` maps each store to
 * {keyPath, indexes: {indexName: field}}. Rows that fail their integrity check are left out
 * and listed in `db.damaged`.
 */
export async function openSealedDB(openDB, name, key, schema) {
  const names = Object.keys(schema);
  const idb = await openDB(name, 1, {
    upgrade(db) {
      for (const s of [...names, BLOBS]) db.createObjectStore(s);
    },
  });
  const tx = idb.transaction(names);
  const raw = await Promise.all(
    names.map(async (s) => [s, await tx.objectStore(s).getAllKeys(), await tx.objectStore(s).getAll()]),
  );
  await tx.done;
  const memory = new Map();
  const damaged = [];
  for (const [s, keys, values] of raw) {
    const rows = new Map();
    const opened = await Promise.all(
      values.map((sealed, i) =>
        openJson(key, sealed, aadOf(s, keys[i])).catch((err) => {
          if (!(err instanceof Tampered)) throw err;
          damaged.push({ store: s, key: keys[i] });
          return GONE;
        }),
      ),
    );
    opened.forEach((v, i) => v !== GONE && rows.set(keys[i], v));
    memory.set(s, rows);
  }
  return new SealedDB(idb, key, schema, memory, damaged);
}

export class SealedDB {
  constructor(idb, key, schema, memory, damaged) {
    this.idb = idb;
    this.key = key;
    this.schema = schema;
    this.memory = memory;
    this.damaged = damaged;
    this.chain = Promise.resolve();
  }

  rows(store) {
    const rows = this.memory.get(store);
    if (!rows) throw new Error(`no object store ${store}`);
    return rows;
  }

  // ---- reads of committed data (never wait for a writer) ------------------------
  async get(store, key) {
    const value = copy(this.rows(store).get(key));
    if (store === "photos" && value) value.blob = await this.openBlob(key, value.content_type);
    return value;
  }
  async getAll(store, _query = null, count) {
    return sortedValues(this.rows(store), count);
  }
  async count(store) {
    return this.rows(store).size;
  }
  async getAllFromIndex(store, index, value) {
    const field = this.schema[store].indexes[index];
    return sortedValues(this.rows(store)).filter((v) => v[field] === value);
  }

  async openBlob(sha, type) {
    const sealed = await this.idb.get(BLOBS, sha);
    if (!sealed) return undefined;
    try {
      return new Blob([await openBytes(this.key, sealed, aadOf(BLOBS, sha))], { type: type || "" });
    } catch (err) {
      if (err instanceof Tampered) return null; // the row says blob_damaged; never a wrong picture
      throw err;
    }
  }

  // ---- writes --------------------------------------------------------------------
  async put(store, value, key) {
    const tx = this.transaction(store, "readwrite");
    const k = await tx.store.put(value, key);
    await tx.done;
    return k;
  }

  transaction(stores, mode = "readonly") {
    const list = Array.isArray(stores) ? stores : [stores];
    if (mode !== "readwrite") return new ReadTx(this, list);
    const previous = this.chain;
    const tx = new WriteTx(this, list, previous);
    this.chain = tx.done.catch(() => {});
    return tx;
  }

  /** Seal and store one transaction's changes in one IndexedDB transaction, then show them. */
  async commit(changes) {
    const sealedPuts = [];
    for (const [store, change] of changes) {
      for (const [k, v] of change.rows) {
        if (v !== GONE) sealedPuts.push(sealJson(this.key, v, aadOf(store, k)).then((s) => [store, k, s]));
      }
      for (const [sha, blob] of change.blobs) {
        if (blob !== GONE)
          sealedPuts.push(
            blob
              .arrayBuffer()
              .then((b) => sealBytes(this.key, new Uint8Array(b), aadOf(BLOBS, sha)))
              .then((s) => [BLOBS, sha, s]),
          );
      }
    }
    const sealed = await Promise.all(sealedPuts);
    const touched = new Set([...changes.keys()]);
    if (touched.has("photos")) touched.add(BLOBS);
    const tx = this.idb.transaction([...touched], "readwrite");
    for (const [store, change] of changes) {
      if (change.cleared) {
        tx.objectStore(store).clear();
        if (store === "photos") tx.objectStore(BLOBS).clear();
      }
      for (const [k, v] of change.rows) if (v === GONE) tx.objectStore(store).delete(k);
      for (const [sha, b] of change.blobs) if (b === GONE) tx.objectStore(BLOBS).delete(sha);
    }
    for (const [store, k, s] of sealed) tx.objectStore(store).put(s, k);
    await tx.done;
    for (const [store, change] of changes) {
      const rows = this.rows(store);
      if (change.cleared) rows.clear();
      for (const [k, v] of change.rows) {
        if (v === GONE) rows.delete(k);
        else rows.set(k, v);
      }
    }
  }

  close() {
    this.idb.close();
    this.memory.clear();
    this.key = null;
  }
}

function asBlob(data, type) {
  return data instanceof Blob ? data : new Blob([data], { type: type || "" });
}

function sortedValues(rows, count) {
  const keys = [...rows.keys()].sort(compareKeys);
  const picked = count ? keys.slice(0, count) : keys;
  return picked.map((k) => copy(rows.get(k)));
}

class ReadTx {
  constructor(db, stores) {
    this.db = db;
    this.stores = stores;
    this.done = Promise.resolve();
  }
  objectStore(name) {
    if (!this.stores.includes(name)) throw new Error(`store ${name} is not in this transaction`);
    const db = this.db;
    return {
      get: (k) => db.get(name, k),
      getAll: () => db.getAll(name),
      count: () => db.count(name),
      index: (i) => ({ getAll: (v) => db.getAllFromIndex(name, i, v) }),
    };
  }
  get store() {
    return this.objectStore(this.stores[0]);
  }
  abort() {}
}

class WriteTx {
  constructor(db, stores, previous) {
    this.db = db;
    this.stores = stores;
    this.changes = new Map();
    this.failure = null;
    this.aborted = false;
    this.finished = false;
    let release;
    this.ready = previous.then(() => {
      // like IndexedDB: with no request pending once the caller's code has run, it commits
      setTimeout(() => release(), 0);
    });
    const autoCommit = new Promise((r) => (release = r));
    this.done = autoCommit.then(() => this.finish());
    this.done.catch(() => {}); // a caller that never awaits done must not raise an unhandled rejection
  }

  change(store) {
    if (!this.changes.has(store)) this.changes.set(store, { cleared: false, rows: new Map(), blobs: new Map() });
    return this.changes.get(store);
  }

  current(store, k) {
    const c = this.changes.get(store);
    if (c?.rows.has(k)) {
      const v = c.rows.get(k);
      return v === GONE ? undefined : v;
    }
    if (c?.cleared) return undefined;
    return this.db.rows(store).get(k);
  }

  all(store) {
    const c = this.changes.get(store);
    const merged = new Map(c?.cleared ? [] : this.db.rows(store));
    for (const [k, v] of c?.rows || []) {
      if (v === GONE) merged.delete(k);
      else merged.set(k, v);
    }
    return merged;
  }

  /** Run one request once the transactions before this one have finished. */
  request(fn) {
    const p = this.ready.then(() => {
      if (this.finished) throw Object.assign(new Error("transaction has finished"), { name: "TransactionInactiveError" });
      if (this.aborted) throw Object.assign(new Error("transaction was aborted"), { name: "AbortError" });
      try {
        return fn();
      } catch (err) {
        this.failure ??= err;
        throw err;
      }
    });
    p.catch(() => {});
    return p;
  }

  objectStore(name) {
    if (!this.stores.includes(name)) throw new Error(`store ${name} is not in this transaction`);
    const spec = this.db.schema[name];
    const keyOf = (value, key) => (spec.keyPath ? value[spec.keyPath] : key);
    const write = (value, key, mustBeNew) => {
      const k = keyOf(value, key);
      if (k === undefined || k === null) throw Object.assign(new Error(`${name}: no key`), { name: "DataError" });
      if (mustBeNew && this.current(name, k) !== undefined)
        throw Object.assign(new Error(`${name}: key ${k} exists`), { name: "ConstraintError" });
      const c = this.change(name);
      if (name === "photos" && value?.blob) c.blobs.set(k, asBlob(value.blob, value.content_type));
      c.rows.set(k, copy(withoutBlob(value)));
      return k;
    };
    return {
      get: (k) => this.request(() => copy(this.current(name, k))),
      getAll: () => this.request(() => sortedValues(this.all(name))),
      count: () => this.request(() => this.all(name).size),
      put: (value, key) => this.request(() => write(value, key, false)),
      add: (value, key) => this.request(() => write(value, key, true)),
      delete: (k) =>
        this.request(() => {
          const c = this.change(name);
          c.rows.set(k, GONE);
          if (name === "photos") c.blobs.set(k, GONE);
        }),
      clear: () =>
        this.request(() => {
          const c = this.change(name);
          c.cleared = true;
          c.rows.clear();
          c.blobs.clear();
        }),
      index: (i) => ({
        getAll: (v) =>
          this.request(() => sortedValues(this.all(name)).filter((row) => row[spec.indexes[i]] === v)),
      }),
    };
  }

  get store() {
    return this.objectStore(this.stores[0]);
  }

  abort() {
    this.aborted = true;
  }

  async finish() {
    this.finished = true;
    if (this.aborted) throw Object.assign(new Error("transaction was aborted"), { name: "AbortError" });
    if (this.failure) throw this.failure;
    if (this.changes.size) await this.db.commit(this.changes);
  }
}
