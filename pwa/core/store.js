// The device's IndexedDB, through idb (openDB is passed in so node tests can use
// fake-indexeddb). Every write that must be atomic is one IndexedDB transaction.
import { diffFields, fileValues, mergePulled } from "./records.js";
import { makeHlc } from "./hlc.js";
import { trackingCode } from "./ids.js";
import { openSealedDB } from "./sealed-db.js";

export const DB_NAME = "jemput-bola";
export const DB_VERSION = 1;

/** The object stores, their keys and indexes (the same in a plain and a sealed database). */
export const SCHEMA = {
  meta: { keyPath: null, indexes: {} },
  reference: { keyPath: null, indexes: {} },
  forms: { keyPath: "key", indexes: {} },
  // openOnDemand (sealed partitions only): rows stay sealed until read, their index fields
  // kept in clear beside the ciphertext; only for indexes on non-personal values (record ids)
  outbox: { keyPath: "id", indexes: { record_id: "record_id" }, openOnDemand: true },
  records: { keyPath: "id", indexes: { tracking_code: "tracking_code" } },
  photos: { keyPath: "sha256", indexes: { record_id: "record_id" } },
  conflicts: { keyPath: "id", indexes: { record_id: "record_id" } },
};

function upgrade(db) {
  for (const [name, spec] of Object.entries(SCHEMA)) {
    const os = db.createObjectStore(name, spec.keyPath ? { keyPath: spec.keyPath } : undefined);
    for (const [index, field] of Object.entries(spec.indexes)) os.createIndex(index, field);
  }
}

/**
 * Open the Store. With `key` (an officer's unwrapped data key) every value is sealed with
 * AES-GCM (core/sealed-db.js); without it the database is plain (the benchmark's baseline
 * and the legacy layout).
 */
export async function openStore(openDB, { name = DB_NAME, deleteDB, now = () => new Date(), key = null } = {}) {
  const db = key ? await openSealedDB(openDB, name, key, SCHEMA) : await openDB(name, DB_VERSION, { upgrade });
  return new Store(db, { name, deleteDB, now });
}

export class Store {
  constructor(db, { name, deleteDB, now }) {
    this.db = db;
    this.name = name;
    this.deleteDB = deleteDB;
    this.now = now;
  }

  /** Rows that failed their integrity check when the partition was opened (not shown). */
  get damaged() {
    return this.db.damaged || [];
  }

  /** fn({store, key}) for a damaged row found later (a queued mutation is opened when read). */
  onDamaged(fn) {
    return this.db.onDamaged ? this.db.onDamaged(fn) : () => {};
  }

  // ---- meta and reference data -------------------------------------------------
  getMeta(key) {
    return this.db.get("meta", key);
  }
  setMeta(key, value) {
    return this.db.put("meta", value, key);
  }
  async saveReference(ref, etag) {
    const tx = this.db.transaction(["reference", "forms"], "readwrite");
    const r = tx.objectStore("reference");
    r.put(ref.version ?? null, "version");
    r.put(etag ?? null, "etag");
    r.put(ref.permit_types || [], "permit_types");
    r.put(ref.regions || [], "regions");
    for (const pt of ref.permit_types || []) {
      for (const form of formsOf(pt)) tx.objectStore("forms").put(form);
    }
    await committed(tx);
  }
  getReference(key) {
    return this.db.get("reference", key);
  }
  getForm(permitType, version) {
    return this.db.get("forms", `${permitType}:${version}`);
  }

  // ---- records and the outbox --------------------------------------------------
  getRecord(id) {
    return this.db.get("records", id);
  }
  allRecords() {
    return this.db.getAll("records");
  }
  pendingFor(recordId) {
    return this.db.getAllFromIndex("outbox", "record_id", recordId);
  }
  async pendingMutations(limit = 100) {
    return this.db.getAll("outbox", null, limit);
  }
  countPending() {
    return this.db.count("outbox");
  }
  /** Queued mutations per record id (a sealed partition counts without opening them). */
  async pendingCounts() {
    if (this.db.countByIndex) return this.db.countByIndex("outbox", "record_id");
    const counts = new Map();
    for (const m of await this.db.getAll("outbox")) counts.set(m.record_id, (counts.get(m.record_id) || 0) + 1);
    return counts;
  }

  /** Save a draft (device only: nothing is queued for the server). */
  async saveDraft(record) {
    const stamp = this.now().toISOString();
    await this.db.put("records", { ...record, draft: true, created: false, updated_at: stamp });
  }

  /**
   * Queue mutations and update the record in one transaction. `build(record, enqueue)`
   * returns the new record; enqueue(name, args) allocates the next mutation id.
   */
  async mutate(recordId, build) {
    const tx = this.db.transaction(["records", "outbox", "meta"], "readwrite");
    return atomically(tx, async () => {
      const meta = tx.objectStore("meta");
      let next = (await meta.get("next_mutation_id")) ?? 1;
      const node = String((await meta.get("client_id")) ?? "device").slice(0, 8);
      const clock = makeHlc(node, (await meta.get("hlc")) ?? undefined);
      const queued = [];
      const enqueue = (name, args) => {
        const now = this.now();
        queued.push({
          id: next++,
          name,
          args,
          record_id: recordId,
          hlc: clock.tick(now.getTime()),
          device_time: localIso(now),
        });
      };
      const current = await tx.objectStore("records").get(recordId);
      const updated = build(current, enqueue);
      for (const m of queued) tx.objectStore("outbox").add(m);
      meta.put(next, "next_mutation_id");
      meta.put(clock.state(), "hlc");
      if (updated) tx.objectStore("records").put({ ...updated, updated_at: this.now().toISOString() });
      return queued;
    });
  }

  /** Queue one named mutation as it is (tests and tools). */
  enqueue(recordId, name, args) {
    return this.mutate(recordId, (cur, enqueue) => {
      enqueue(name, args);
      return null;
    });
  }

  /** Turn a draft (or a new record) into a submitted application. */
  submitNew(record) {
    return this.mutate(record.id, (_cur, enqueue) => {
      enqueueCreate(enqueue, record, record.fields);
      return { ...record, draft: false, created: true, failure: null, submitted_at: this.now().toISOString() };
    });
  }

  /** Edit a record already queued or synced: one update_fields with each change's base. */
  editFields(recordId, fields) {
    return this.mutate(recordId, (cur, enqueue) => {
      if (!cur) throw new Error("unknown record");
      if (cur.failure?.mutation === "create_application") {
        // the server never took this application: send it again whole, corrected
        enqueueCreate(enqueue, cur, fields);
        return { ...cur, fields, failure: null };
      }
      const changes = diffFields(cur.fields, fields);
      if (Object.keys(changes).length === 0) return null;
      enqueue("update_fields", { record_id: recordId, changes });
      const before = new Set(fileValues(cur.fields).map((f) => f.sha256));
      for (const f of fileValues(fields)) if (!before.has(f.sha256)) enqueue("attach_file", attachArgs(recordId, f));
      return { ...cur, fields, failure: null };
    });
  }

  resubmit(recordId, fields) {
    return this.mutate(recordId, (cur, enqueue) => {
      const changes = diffFields(cur.fields, fields);
      if (Object.keys(changes).length) enqueue("update_fields", { record_id: recordId, changes });
      const before = new Set(fileValues(cur.fields).map((f) => f.sha256));
      for (const f of fileValues(fields)) if (!before.has(f.sha256)) enqueue("attach_file", attachArgs(recordId, f));
      enqueue("resubmit_application", { record_id: recordId });
      return { ...cur, fields, failure: null, resubmitted_at: this.now().toISOString() };
    });
  }

  /**
   * Feedback a citizen gave the officer about this application (core/citizen.js builds the
   * arguments). The ticket is kept on the record (sealed like it) so the officer can show
   * its code; only its id, code, token, kind and time, not the message.
   */
  recordFeedback(recordId, args) {
    return this.mutate(recordId, (cur, enqueue) => {
      if (!cur) throw new Error("unknown record");
      enqueue("submit_feedback", args);
      const ticket = {
        id: args.feedback_id,
        ticket_code: args.ticket_code,
        ticket_token: args.ticket_token,
        kind: args.kind,
        at: this.now().toISOString(),
      };
      return { ...cur, feedback: [...(cur.feedback || []), ticket] };
    });
  }

  /** The citizen's SKM answers for this application (one survey per service event). */
  recordSurvey(recordId, args) {
    return this.mutate(recordId, (cur, enqueue) => {
      if (!cur) throw new Error("unknown record");
      enqueue("submit_survey", args);
      return { ...cur, survey: { id: args.survey_id, at: this.now().toISOString() } };
    });
  }

  cancel(recordId, reason) {
    return this.mutate(recordId, (cur, enqueue) => {
      enqueue("cancel_application", { record_id: recordId, reason });
      return cur;
    });
  }

  /**
   * Record a push answer: remove each acknowledged mutation (applied, conflict or
   * rejected), note rejections on their record, and drop everything the server says it
   * has processed (id ≤ last_mutation_id). One transaction.
   */
  async ackPush(answer) {
    const tx = this.db.transaction(["records", "outbox", "meta", "conflicts"], "readwrite");
    return atomically(tx, async () => {
      const outbox = tx.objectStore("outbox");
      const records = tx.objectStore("records");
      let removed = 0;
      const redo = new Map(); // record id -> its create args and the mutations to send again
      for (const r of answer.results || []) {
        for (const c of r.conflicts || [])
          if (c && typeof c === "object" && c.id) await tx.objectStore("conflicts").put(c);
      }
      for (const r of answer.results || []) {
        const m = await outbox.get(r.id);
        if (!m) continue;
        await outbox.delete(r.id);
        removed++;
        const rec = await records.get(m.record_id);
        if (!rec) continue;
        if (r.status === "rejected" && m.name === "create_application" && r.reason === "tracking_code_taken") {
          // Someone else has this code (the protocol says: make a new one and create again).
          rec.code_changed_from = rec.code_changed_from || m.args.tracking_code;
          rec.tracking_code = trackingCode();
          redo.set(m.record_id, { create: m.args, later: [] });
          await records.put(rec);
          continue;
        }
        if (r.status === "rejected" && r.reason === "not_found" && redo.has(m.record_id)) {
          redo.get(m.record_id).later.push(m);
          continue;
        }
        if (CITIZEN_MUTATIONS.has(m.name)) {
          // The citizen's feedback or survey: a refusal is noted on it, not on the application.
          if (r.status === "rejected") {
            await records.put(markCitizenRejection(rec, m, r, this.now().toISOString()));
          }
          continue;
        }
        // after a refused create, the record's later mutations are "not_found": keep the cause
        const followsRefusedCreate = rec.failure?.mutation === "create_application" && r.reason === "not_found";
        if (r.status === "rejected" && !followsRefusedCreate) {
          rec.failure = {
            mutation: m.name,
            reason: r.reason || "rejected",
            message: r.message || "",
            fields: r.fields || null,
            at: this.now().toISOString(),
          };
        }
        if (r.status === "conflict") rec.conflict_pending = true;
        if (r.status === "applied" && m.name === "create_application") rec.accepted = true;
        rec.last_ack = { id: r.id, status: r.status };
        await records.put(rec);
      }
      const last = answer.last_mutation_id;
      if (Number.isInteger(last)) {
        for (const m of await outbox.getAll()) {
          if (m.id > last) break;
          await outbox.delete(m.id);
          removed++;
        }
        tx.objectStore("meta").put(last, "last_mutation_id");
      }
      if (redo.size) {
        const meta = tx.objectStore("meta");
        let next = (await meta.get("next_mutation_id")) ?? 1;
        for (const [recordId, { create, later }] of redo) {
          const rec = await records.get(recordId);
          const again = [
            { name: "create_application", args: { ...create, tracking_code: rec.tracking_code, fields: rec.fields } },
            ...later.map(({ name, args }) => ({ name, args })),
          ];
          for (const { name, args } of again) {
            await outbox.add({
              id: next++,
              name,
              args,
              record_id: recordId,
              hlc: null,
              device_time: localIso(this.now()),
            });
          }
        }
        await meta.put(next, "next_mutation_id");
      }
      return removed;
    });
  }

  /** The server expects mutation id `expected` next: renumber the queue from there. */
  async renumberFrom(expected) {
    const tx = this.db.transaction(["outbox", "meta"], "readwrite");
    const outbox = tx.objectStore("outbox");
    const all = await outbox.getAll();
    await outbox.clear();
    let next = expected;
    for (const m of all) await outbox.add({ ...m, id: next++ });
    await tx.objectStore("meta").put(next, "next_mutation_id");
    await committed(tx);
    return all.length;
  }

  /** Store one pulled page and its cursor in ONE transaction. */
  async applyPullPage(page) {
    const tx = this.db.transaction(["records", "outbox", "conflicts", "photos", "meta"], "readwrite");
    return atomically(tx, async () => {
      const records = tx.objectStore("records");
      const outboxIdx = tx.objectStore("outbox").index("record_id");
      for (const server of page.records || []) {
        const local = await records.get(server.id);
        const pending = await outboxIdx.getAll(server.id);
        const merged = mergePulled(local, server, pending);
        merged.reset_stale = false;
        if (pending.length === 0 && local?.conflict_pending) merged.conflict_pending = false;
        await records.put(merged);
      }
      for (const t of page.tombstones || []) {
        const id = typeof t === "string" ? t : t.id;
        const pending = await outboxIdx.getAll(id);
        const local = await records.get(id);
        if (!local) continue;
        if (pending.length || local.draft) {
          await records.put({ ...local, server_deleted: true });
          continue;
        }
        await records.delete(id);
        const photos = tx.objectStore("photos");
        for (const p of await photos.index("record_id").getAll(id)) if (p.uploaded) await photos.delete(p.sha256);
      }
      for (const c of page.conflicts || []) await tx.objectStore("conflicts").put(c);
      const meta = tx.objectStore("meta");
      await meta.put(page.cursor ?? null, "cursor");
      if (Number.isInteger(page.last_mutation_id)) {
        // Acknowledged even if the push answer was lost.
        await meta.put(page.last_mutation_id, "server_last_mutation_id");
        const outbox = tx.objectStore("outbox");
        for (const m of await outbox.getAll()) {
          if (m.id > page.last_mutation_id) break;
          await outbox.delete(m.id);
        }
      }
    });
  }

  /**
   * A reset: forget the local copy of server data (never the outbox, drafts, records with
   * queued changes, or records the server never took, such as a refused application).
   * Records the full pull does not bring back are removed at the end.
   */
  async beginReset() {
    const tx = this.db.transaction(["records", "outbox", "conflicts", "meta"], "readwrite");
    return atomically(tx, async () => {
      await tx.objectStore("conflicts").clear();
      const pendingIds = new Set((await tx.objectStore("outbox").getAll()).map((m) => m.record_id));
      for (const rec of await tx.objectStore("records").getAll()) {
        const heldByServer = rec.server || rec.accepted;
        if (!rec.draft && !pendingIds.has(rec.id) && heldByServer)
          await tx.objectStore("records").put({ ...rec, reset_stale: true });
      }
      await tx.objectStore("meta").put(null, "cursor");
      await tx.objectStore("meta").put(true, "resetting");
    });
  }

  async finishReset() {
    const tx = this.db.transaction(["records", "outbox", "photos", "meta"], "readwrite");
    return atomically(tx, async () => {
      const pendingIds = new Set((await tx.objectStore("outbox").getAll()).map((m) => m.record_id));
      for (const rec of await tx.objectStore("records").getAll()) {
        if (rec.reset_stale && !pendingIds.has(rec.id) && !rec.draft) {
          await tx.objectStore("records").delete(rec.id);
          for (const p of await tx.objectStore("photos").index("record_id").getAll(rec.id)) {
            if (p.uploaded) await tx.objectStore("photos").delete(p.sha256);
          }
        }
      }
      await tx.objectStore("meta").put(false, "resetting");
    });
  }

  conflictsFor(recordId) {
    return this.db.getAllFromIndex("conflicts", "record_id", recordId);
  }
  allConflicts() {
    return this.db.getAll("conflicts");
  }

  // ---- photos --------------------------------------------------------------------
  async putPhoto(photo) {
    const existing = await this.db.get("photos", photo.sha256);
    await this.db.put("photos", { ...existing, ...photo, uploaded: existing?.uploaded ?? false });
  }
  getPhoto(sha256) {
    return this.db.get("photos", sha256);
  }
  async markUploaded(sha256) {
    const tx = this.db.transaction("photos", "readwrite");
    const p = await tx.store.get(sha256);
    if (p) await tx.store.put({ ...p, uploaded: true, uploaded_at: this.now().toISOString() });
    await committed(tx);
  }
  /** The server refused this file for good; it stays on the device, shown on its record. */
  async markUploadFailed(sha256, reason) {
    const tx = this.db.transaction("photos", "readwrite");
    const p = await tx.store.get(sha256);
    if (p) await tx.store.put({ ...p, upload_error: reason, upload_failed_at: this.now().toISOString() });
    await committed(tx);
  }

  /** Photos whose record (accepted) and attach_file the server has acknowledged, not yet uploaded. */
  async pendingUploads() {
    const photos = await this.db.getAll("photos");
    const out = [];
    for (const p of photos) {
      if (p.uploaded || p.upload_error || !p.record_id) continue;
      const rec = await this.getRecord(p.record_id);
      // only once the server has taken the application: a refused one would leave orphan files
      if (!rec || rec.draft || !rec.created || !(rec.accepted || rec.server)) continue;
      const inRecord = fileValues(rec.fields).some((f) => f.sha256 === p.sha256);
      if (!inRecord) continue;
      const pending = await this.pendingFor(p.record_id);
      const waiting = pending.some(
        (m) => m.name === "create_application" || (m.name === "attach_file" && m.args.sha256 === p.sha256),
      );
      if (waiting) continue;
      const full = p.blob ? p : await this.getPhoto(p.sha256);
      if (full?.blob) out.push(full); // a blob that failed its integrity check is never sent
    }
    return out;
  }

  // ---- summaries, export, wipe ---------------------------------------------------
  async summary() {
    const [records, pend, outboxCount, photos, conflicts] = await Promise.all([
      this.allRecords(),
      this.pendingCounts(),
      this.countPending(),
      this.db.getAll("photos"),
      this.allConflicts(),
    ]);
    const by = (list, key) => {
      const m = new Map();
      for (const x of list) m.set(x[key], (m.get(x[key]) || 0) + 1);
      return m;
    };
    const ups = by(
      photos.filter((p) => !p.uploaded && !p.upload_error && p.record_id),
      "record_id",
    );
    // A refused photo counts only while its record still uses it (replacing it clears this).
    const byId = new Map(records.map((r) => [r.id, r]));
    const refused = new Map();
    for (const p of photos) {
      if (p.uploaded || !p.upload_error || !byId.has(p.record_id)) continue;
      if (fileValues(byId.get(p.record_id).fields).some((f) => f.sha256 === p.sha256))
        refused.set(p.record_id, p.upload_error);
    }
    const conf = by(
      conflicts.filter((c) => c.status !== "resolved"),
      "record_id",
    );
    return { records, pending: pend, uploads: ups, refused, conflicts: conf, outboxCount };
  }

  /** Everything not yet acknowledged by the server, for a last-resort file export. */
  async exportUnsynced(blobToBase64) {
    const outbox = await this.db.getAll("outbox");
    const records = (await this.allRecords()).filter(
      (r) => r.draft || outbox.some((m) => m.record_id === r.id) || r.failure,
    );
    const photos = [];
    for (const listed of await this.db.getAll("photos")) {
      if (listed.uploaded) continue;
      const p = listed.blob ? listed : await this.getPhoto(listed.sha256);
      photos.push({ ...p, blob: undefined, data_base64: p.blob ? await blobToBase64(p.blob) : null });
    }
    return {
      format: "jemput-bola-outbox",
      version: 1,
      exported_at: this.now().toISOString(),
      client_id: (await this.getMeta("client_id")) ?? null,
      outbox,
      records,
      photos,
    };
  }

  async wipe() {
    this.db.close();
    if (this.deleteDB) await this.deleteDB(this.name);
  }
}

const CITIZEN_MUTATIONS = new Set(["submit_feedback", "submit_survey"]);

function markCitizenRejection(rec, m, r, at) {
  const rejected = { reason: r.reason || "rejected", message: r.message || "", at };
  if (m.name === "submit_survey") {
    return rec.survey?.id === m.args.survey_id ? { ...rec, survey: { ...rec.survey, rejected } } : rec;
  }
  const feedback = (rec.feedback || []).map((f) => (f.id === m.args.feedback_id ? { ...f, rejected } : f));
  return { ...rec, feedback };
}

/** Run fn inside tx; any error aborts the whole transaction, so nothing is half-written. */
async function atomically(tx, fn) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    try {
      tx.abort();
    } catch {
      // already finished or aborted
    }
    await tx.done.catch(() => {});
    throw err;
  }
  await committed(tx);
  return result;
}

/**
 * Commit now (IndexedDB's commit(), and the sealed partition's) rather than when the
 * browser notices no request is left, and wait for it.
 */
export function committed(tx) {
  try {
    tx.commit?.();
  } catch {
    // already committing on its own
  }
  return tx.done;
}

/** ISO time with the device's UTC offset, e.g. 2026-03-01T09:15:00+08:00. */
export function localIso(d) {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function enqueueCreate(enqueue, record, fields) {
  enqueue("create_application", {
    record_id: record.id,
    permit_type: record.permit_type,
    form_version: record.form_version,
    tracking_code: record.tracking_code,
    status_token: record.status_token,
    fields,
  });
  for (const f of fileValues(fields)) enqueue("attach_file", attachArgs(record.id, f));
  enqueue("submit_application", { record_id: record.id });
}

function attachArgs(recordId, f) {
  // The protocol's attach_file takes exactly these; name and type travel with the tus upload.
  return { record_id: recordId, sha256: f.sha256, kind: f.kind };
}

/** A permit type's form definitions, whatever shape the reference answer uses. */
export function formsOf(pt) {
  const code = pt.code ?? pt.id;
  const list = [];
  if (Array.isArray(pt.forms)) for (const f of pt.forms) list.push(f.definition ?? f);
  if (pt.form) list.push(pt.form.definition ?? pt.form);
  if (pt.form_definition) list.push(pt.form_definition);
  return list.map((def) => ({
    key: `${code}:${def.version}`,
    permit_type: code,
    version: def.version,
    definition: def,
  }));
}
