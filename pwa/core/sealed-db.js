// An officer's encrypted partition: every value in IndexedDB is sealed with AES-GCM under
// the officer's data key. After unlocking, the rows are opened once into memory; reads come
// from there and each write transaction seals what it changed and stores it in ONE
// IndexedDB transaction. (Web Crypto is asynchronous, and an IndexedDB transaction commits
// as soon as it has no pending request, so sealing cannot happen inside one.)
//
// Stores marked `openOnDemand` in the schema (the outbox) are not read at unlock. Their
// index fields (record ids: random UUIDs, nothing personal) are kept in clear in a
// companion store `<store>_index`, written in the same IndexedDB transaction as the sealed
// row, so counting a record's queued mutations needs neither reading nor decrypting them.
// A row is read and opened the first time its value is asked for, and checked then: its
// sealed value must carry the same index fields.
//
// It answers the part of idb's API the Store uses: get/put/getAll/count/getAllFromIndex,
// transaction(...).objectStore(...).get/put/add/delete/getAll/clear/count/index().getAll,
// tx.store, tx.done, tx.commit(), tx.abort(). Write transactions run one after another,
// like IndexedDB's readwrite transactions on overlapping stores.
//
// Photo blobs live sealed in their own object store and are opened only when one photo is
// asked for (db.get("photos", sha)); listings of photos carry no blob.
import { openBytes, openJson, sealBytes, sealJson, Tampered } from "./vault.js";

const VERSION = 2; // 2: the clear index stores of open-on-demand stores
const BLOBS = "photo_blobs";
const GONE = Symbol("deleted");
const noop = () => {};

/** The clear companion store of an open-on-demand store. */
export const indexStoreOf = (store) => `${store}_index`;

function compareKeys(a, b) {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const copy = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const aadOf = (store, key) => `${store}/${JSON.stringify(key)}`;
const inactive = () => Object.assign(new Error("transaction has finished"), { name: "TransactionInactiveError" });
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

function withoutBlob(value) {
  if (!value || typeof value !== "object" || !("blob" in value)) return value;
  const { blob: _blob, ...rest } = value;
  return rest;
}

/** The index fields of a row, as kept in clear for an open-on-demand store. */
function clearIndex(spec, value) {
  return Object.fromEntries(Object.values(spec.indexes).map((field) => [field, value?.[field] ?? null]));
}

const sameIndex = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Open (creating on first use) the partition `name` with `key`. `schema` maps each store to
 * {keyPath, indexes: {indexName: field}, openOnDemand}. Rows that fail their integrity check
 * are left out and listed in `db.damaged` (rows of open-on-demand stores: when first read).
 */
export async function openSealedDB(openDB, name, key, schema) {
  const names = Object.keys(schema);
  const lazy = names.filter((s) => schema[s].openOnDemand);
  const all = [...names, BLOBS, ...lazy.map(indexStoreOf)];
  const idb = await openDB(name, VERSION, {
    upgrade(db) {
      for (const s of all) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s);
    },
  });
  const tx = idb.transaction([...names, ...lazy.map(indexStoreOf)]);
  // keys and values in one request where the browser has getAllRecords() (Chromium 141+)
  const read = async (s) => {
    const os = tx.objectStore(s);
    if (!os.getAllRecords) return Promise.all([os.getAllKeys(), os.getAll()]);
    const records = await os.getAllRecords();
    return [records.map((r) => r.primaryKey), records.map((r) => r.value)];
  };
  // Each store is opened as soon as it has been read, while the next ones are read.
  const damaged = [];
  const opening = names.map(async (s) => {
    if (schema[s].openOnDemand) {
      const [[keys], [ixKeys, ixValues]] = await Promise.all([
        Promise.all([tx.objectStore(s).getAllKeys()]),
        read(indexStoreOf(s)),
      ]);
      const index = new Map(ixKeys.map((k, i) => [k, ixValues[i]]));
      const closed = new Map();
      const unindexed = [];
      for (const k of keys) {
        if (index.has(k)) closed.set(k, index.get(k));
        else unindexed.push(k); // sealed before its store had a clear index: open it now
      }
      const rows = await openEach(s, unindexed, await Promise.all(unindexed.map((k) => tx.objectStore(s).get(k))));
      return [s, rows, closed];
    }
    const [keys, values] = await read(s);
    return [s, await openEach(s, keys, values), new Map()];
  });
  async function openEach(s, keys, values) {
    const opened = await Promise.all(
      values.map((sealed, i) =>
        openJson(key, sealed, aadOf(s, keys[i])).catch((err) => {
          if (!(err instanceof Tampered)) throw err;
          damaged.push({ store: s, key: keys[i] });
          return GONE;
        }),
      ),
    );
    const rows = new Map();
    opened.forEach((v, i) => v !== GONE && rows.set(keys[i], v));
    return rows;
  }
  const stores = await Promise.all(opening);
  await tx.done;
  const memory = new Map(stores.map(([s, rows]) => [s, rows]));
  const closed = new Map(stores.map(([s, , later]) => [s, later]));
  return new SealedDB(idb, key, schema, memory, closed, damaged);
}

export class SealedDB {
  constructor(idb, key, schema, memory, closed, damaged) {
    this.idb = idb;
    this.key = key;
    this.schema = schema;
    this.memory = memory; // store -> key -> opened value
    this.closed = closed; // store -> key -> clear index fields of a row not yet opened
    this.damaged = damaged;
    this.chain = Promise.resolve();
    this.damageListeners = new Set();
  }

  rows(store) {
    const rows = this.memory.get(store);
    if (!rows) throw new Error(`no object store ${store}`);
    return rows;
  }

  /** Whether a row exists, opened or not (a row found damaged does not). */
  has(store, key) {
    return this.rows(store).has(key) || this.closed.get(store).has(key);
  }

  /** Every key of a store, opened or not, in IndexedDB's order. */
  keys(store) {
    return [...this.rows(store).keys(), ...this.closed.get(store).keys()].sort(compareKeys);
  }

  /** fn({store, key}) for each row found damaged after unlock (a queued mutation read later). */
  onDamaged(fn) {
    this.damageListeners.add(fn);
    return () => this.damageListeners.delete(fn);
  }

  /**
   * Read and open the rows among `keys` of `store` that are not open yet (one read
   * transaction, decrypted in parallel). A row that fails its check, or whose sealed value
   * does not carry its clear index fields, is dropped from memory and reported, never shown.
   */
  async openRows(store, keys) {
    const later = this.closed.get(store);
    const todo = keys.filter((k) => later.has(k));
    if (!todo.length) return;
    const spec = this.schema[store];
    const key = this.key;
    const tx = this.idb.transaction(store);
    const sealed = await Promise.all(todo.map((k) => tx.objectStore(store).get(k)));
    await Promise.all(
      todo.map(async (k, i) => {
        const ix = later.get(k);
        let value;
        try {
          value = await openJson(key, sealed[i], aadOf(store, k));
          if (!sameIndex(clearIndex(spec, value), ix)) throw new Tampered(aadOf(store, k));
        } catch (err) {
          if (!(err instanceof Tampered)) throw err;
          value = GONE;
        }
        if (later.get(k) !== ix) return; // written or deleted meanwhile: that wins
        later.delete(k);
        if (value !== GONE) {
          this.rows(store).set(k, value);
          return;
        }
        const entry = { store, key: k };
        this.damaged.push(entry);
        for (const fn of this.damageListeners) fn(entry);
      }),
    );
  }

  /** Keys of not yet opened rows whose clear `index` field is `value`. */
  closedByIndex(store, index, value) {
    const field = this.schema[store].indexes[index];
    return [...this.closed.get(store)].filter(([, ix]) => ix[field] === value).map(([k]) => k);
  }

  // ---- reads of committed data (never wait for a writer) ------------------------
  async get(store, key) {
    await this.openRows(store, [key]);
    const value = copy(this.rows(store).get(key));
    if (store === "photos" && value) value.blob = await this.openBlob(key, value.content_type);
    return value;
  }
  async getAll(store, _query = null, count) {
    const keys = this.keys(store);
    const picked = count ? keys.slice(0, count) : keys;
    await this.openRows(store, picked);
    const rows = this.rows(store);
    return picked.filter((k) => rows.has(k)).map((k) => copy(rows.get(k)));
  }
  async count(store) {
    return this.rows(store).size + this.closed.get(store).size;
  }
  async getAllFromIndex(store, index, value) {
    await this.openRows(store, this.closedByIndex(store, index, value));
    const field = this.schema[store].indexes[index];
    return sortedValues(this.rows(store)).filter((v) => v[field] === value);
  }
  /** How many rows have each value of `index`; nothing is read or opened for it. */
  async countByIndex(store, index) {
    const field = this.schema[store].indexes[index];
    const counts = new Map();
    const bump = (v) => counts.set(v, (counts.get(v) || 0) + 1);
    for (const v of this.rows(store).values()) bump(v[field]);
    for (const ix of this.closed.get(store).values()) bump(ix[field]);
    return counts;
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
    tx.commit();
    await tx.done;
    return k;
  }

  transaction(stores, mode = "readonly") {
    const list = Array.isArray(stores) ? stores : [stores];
    if (mode !== "readwrite") return new ReadTx(this, list);
    const tx = new WriteTx(this, list, this.chain);
    this.chain = tx.done.catch(noop);
    return tx;
  }

  /** Seal and store one transaction's changes in one IndexedDB transaction, then show them. */
  async commit(changes) {
    const sealing = [];
    for (const [store, change] of changes) {
      for (const [k, v] of change.rows) {
        if (v !== GONE) sealing.push(sealJson(this.key, v, aadOf(store, k)).then((s) => [store, k, s]));
      }
      for (const [sha, blob] of change.blobs) {
        if (blob !== GONE)
          sealing.push(
            blob
              .arrayBuffer()
              .then((b) => sealBytes(this.key, new Uint8Array(b), aadOf(BLOBS, sha)))
              .then((s) => [BLOBS, sha, s]),
          );
      }
    }
    const sealed = await Promise.all(sealing);
    const touched = new Set();
    for (const store of changes.keys()) {
      touched.add(store);
      if (store === "photos") touched.add(BLOBS);
      if (this.schema[store].openOnDemand) touched.add(indexStoreOf(store));
    }
    const tx = this.idb.transaction([...touched], "readwrite");
    const also = (store, fn) => {
      fn(tx.objectStore(store));
      if (this.schema[store].openOnDemand) fn(tx.objectStore(indexStoreOf(store)));
    };
    for (const [store, change] of changes) {
      if (change.cleared) {
        also(store, (os) => os.clear());
        if (store === "photos") tx.objectStore(BLOBS).clear();
      }
      for (const [k, v] of change.rows) if (v === GONE) also(store, (os) => os.delete(k));
      for (const [sha, b] of change.blobs) if (b === GONE) tx.objectStore(BLOBS).delete(sha);
    }
    for (const [store, k, s] of sealed) {
      tx.objectStore(store).put(s, k);
      const spec = this.schema[store];
      if (spec?.openOnDemand) tx.objectStore(indexStoreOf(store)).put(clearIndex(spec, changes.get(store).rows.get(k)), k);
    }
    tx.commit?.();
    await tx.done;
    for (const [store, change] of changes) {
      const rows = this.rows(store);
      const later = this.closed.get(store);
      if (change.cleared) {
        rows.clear();
        later.clear();
      }
      for (const [k, v] of change.rows) {
        later.delete(k);
        if (v === GONE) rows.delete(k);
        else rows.set(k, v);
      }
    }
  }

  close() {
    this.idb.close();
    this.memory.clear();
    this.closed.clear();
    this.damageListeners.clear();
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
  commit() {}
  abort() {}
}

/**
 * A read-write transaction on a copy-on-write view. Its requests run in order, once the
 * write transactions before it have finished. It commits when its owner calls commit() and
 * the requests asked for so far have run, or, like IndexedDB, once it has had no pending
 * request for a whole task.
 */
class WriteTx {
  constructor(db, stores, previous) {
    this.db = db;
    this.stores = stores;
    this.changes = new Map();
    this.failure = null;
    this.aborted = false;
    this.finished = false;
    this.committing = false;
    this.tail = previous; // settles when the last request asked for has run; never rejects
    let ask;
    const asked = new Promise((resolve) => (ask = resolve));
    this.ask = ask;
    this.done = this.settle(asked).then(() => this.finish());
    this.done.catch(noop); // a caller that never awaits done must not raise an unhandled rejection
  }

  async settle(asked) {
    for (;;) {
      const tail = this.tail;
      await tail;
      if (!this.committing) await Promise.race([asked, nextTask()]);
      if (tail === this.tail) return;
    }
  }

  /** No more requests: commit once the ones asked for have run (IDBTransaction.commit()). */
  commit() {
    if (this.finished || this.committing) return;
    this.committing = true;
    this.ask();
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

  exists(store, k) {
    const c = this.changes.get(store);
    if (c?.rows.has(k)) return c.rows.get(k) !== GONE;
    if (c?.cleared) return false;
    return this.db.has(store, k);
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

  keyCount(store) {
    const c = this.changes.get(store);
    const keys = new Set(c?.cleared ? [] : this.db.keys(store));
    for (const [k, v] of c?.rows || []) {
      if (v === GONE) keys.delete(k);
      else keys.add(k);
    }
    return keys.size;
  }

  /**
   * Run one request after the ones asked for before it. `opens()` names rows not yet
   * opened that it reads ([store, keys]); they are opened first.
   */
  request(fn, opens = null) {
    if (this.finished || this.committing) {
      const refused = Promise.reject(inactive());
      refused.catch(noop);
      return refused;
    }
    const run = async () => {
      if (this.finished) throw inactive();
      if (this.aborted) throw Object.assign(new Error("transaction was aborted"), { name: "AbortError" });
      try {
        const wanted = opens?.();
        if (wanted?.[1].length) await this.db.openRows(...wanted);
        return fn();
      } catch (err) {
        this.failure ??= err;
        throw err;
      }
    };
    const p = this.tail.then(run);
    this.tail = p.then(noop, noop);
    p.catch(noop);
    return p;
  }

  objectStore(name) {
    if (!this.stores.includes(name)) throw new Error(`store ${name} is not in this transaction`);
    const spec = this.db.schema[name];
    const keyOf = (value, key) => (spec.keyPath ? value[spec.keyPath] : key);
    const write = (value, key, mustBeNew) => {
      const k = keyOf(value, key);
      if (k === undefined || k === null) throw Object.assign(new Error(`${name}: no key`), { name: "DataError" });
      if (mustBeNew && this.exists(name, k))
        throw Object.assign(new Error(`${name}: key ${k} exists`), { name: "ConstraintError" });
      const c = this.change(name);
      if (name === "photos" && value?.blob) c.blobs.set(k, asBlob(value.blob, value.content_type));
      c.rows.set(k, copy(withoutBlob(value)));
      return k;
    };
    const unopened = () => [name, [...this.db.closed.get(name).keys()]];
    return {
      get: (k) => this.request(() => copy(this.current(name, k)), () => [name, [k]]),
      getAll: () => this.request(() => sortedValues(this.all(name)), unopened),
      count: () => this.request(() => this.keyCount(name)),
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
          this.request(
            () => sortedValues(this.all(name)).filter((row) => row[spec.indexes[i]] === v),
            () => [name, this.db.closedByIndex(name, i, v)],
          ),
      }),
    };
  }

  get store() {
    return this.objectStore(this.stores[0]);
  }

  abort() {
    this.aborted = true;
    this.commit();
  }

  async finish() {
    this.finished = true;
    if (this.aborted) throw Object.assign(new Error("transaction was aborted"), { name: "AbortError" });
    if (this.failure) throw this.failure;
    if (this.changes.size) await this.db.commit(this.changes);
  }
}
