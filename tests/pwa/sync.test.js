import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDB, deleteDB } from "idb";
import { openStore } from "../../pwa/core/store.js";
import { testKey } from "./sealed-key.js";
import { SyncEngine, classify } from "../../pwa/core/sync.js";
import { recordState } from "../../pwa/core/records.js";
import { statusToken, trackingCode, uuid } from "../../pwa/core/ids.js";
import { FakeServer } from "./fake-server.js";

let n = 0;
async function setup() {
  const store = await openStore(openDB, { name: `t${++n}`, deleteDB, key: await testKey() });
  await store.setMeta("client_id", "dev-1");
  const server = new FakeServer();
  const events = [];
  const engine = new SyncEngine({
    store,
    post: server.transport(),
    clientId: "dev-1",
    emit: (e, d) => events.push([e, d]),
    random: () => 0,
  });
  engine.setTimer = (fn, ms) => ({ fn, ms });
  engine.clearTimer = () => {};
  return { store, server, engine, events };
}

function newRecord(fields = { full_name: "Siti Aminah", business_name: "Warung Siti" }) {
  return {
    id: uuid(),
    permit_type: "iumk",
    form_version: 1,
    tracking_code: trackingCode(),
    status_token: statusToken(),
    fields,
  };
}

async function stateOf(store, id) {
  const s = await store.summary();
  const rec = s.records.find((r) => r.id === id);
  return recordState(rec, { pending: s.pending.get(id) || 0, uploads: 0, conflicts: s.conflicts.get(id) || 0 });
}

test("a submitted application reaches the server once and comes back as sent", async () => {
  const { store, server, engine } = await setup();
  const rec = newRecord();
  await store.saveDraft(rec);
  assert.equal(await stateOf(store, rec.id), "draft");
  const q = await store.submitNew(rec);
  assert.deepEqual(
    q.map((m) => m.name),
    ["create_application", "submit_application"],
  );
  assert.deepEqual(
    q.map((m) => m.id),
    [1, 2],
  );
  assert.equal(await stateOf(store, rec.id), "waiting");
  const r = await engine.sync();
  assert.equal(r.ok, true);
  assert.equal(server.records.size, 1);
  assert.equal(server.records.get(rec.id).record.status, "diterima");
  assert.equal(await store.countPending(), 0);
  assert.equal(await stateOf(store, rec.id), "sent");
  const local = await store.getRecord(rec.id);
  assert.equal(local.server.status, "diterima");
  assert.ok(await store.getMeta("last_sync_at"));
});

test("a lost push answer is replayed without duplicates", async () => {
  const { store, server, engine } = await setup();
  await store.submitNew(newRecord());
  server.dropAnswerOnce = true;
  const first = await engine.sync();
  assert.equal(first.ok, false);
  assert.equal(first.error.kind, "network");
  assert.equal(await store.countPending(), 2, "nothing is dropped before the server's answer");
  assert.equal(server.records.size, 1);
  const second = await engine.sync();
  assert.equal(second.ok, true);
  assert.equal(server.records.size, 1);
  assert.equal(server.clients.get("dev-1").last, 2);
  assert.equal(await store.countPending(), 0);
});

test("edits carry their base; a pull never overwrites pending local edits", async () => {
  const { store, server, engine } = await setup();
  const rec = newRecord();
  await store.submitNew(rec);
  await engine.sync();
  server.staffEdit(rec.id, { business_name: "Warung Siti Jaya" });
  await store.editFields(rec.id, { ...rec.fields, full_name: "Siti Aminah Binti Umar" });
  const pending = await store.pendingFor(rec.id);
  assert.deepEqual(pending[0].args.changes, { full_name: { base: "Siti Aminah", value: "Siti Aminah Binti Umar" } });
  // Pull alone (as if a push failed): server value for the untouched field, local one on top.
  await engine.pullAll();
  const local = await store.getRecord(rec.id);
  assert.equal(local.fields.full_name, "Siti Aminah Binti Umar");
  assert.equal(local.fields.business_name, "Warung Siti Jaya");
  await engine.sync();
  assert.equal(server.records.get(rec.id).record.fields.full_name, "Siti Aminah Binti Umar");
  assert.equal(await stateOf(store, rec.id), "sent");
});

test("a conflicting edit is shown with both values", async () => {
  const { store, server, engine } = await setup();
  const rec = newRecord();
  await store.submitNew(rec);
  await engine.sync();
  server.staffEdit(rec.id, { full_name: "SITI AMINAH" });
  await store.editFields(rec.id, { ...rec.fields, full_name: "Siti Aminah Umar" });
  await engine.sync();
  assert.equal(await stateOf(store, rec.id), "conflict");
  const [c] = await store.conflictsFor(rec.id);
  assert.equal(c.device_value, "Siti Aminah Umar");
  assert.equal(c.server_value, "SITI AMINAH");
  assert.equal((await store.getRecord(rec.id)).fields.full_name, "SITI AMINAH");
});

test("a rejected mutation marks its record failed with the reason; the queue moves on", async () => {
  const { store, server, engine } = await setup();
  const rec = newRecord();
  await store.submitNew(rec);
  await engine.sync();
  server.records.get(rec.id).record.status = "disetujui";
  await store.cancel(rec.id, "pemohon membatalkan");
  const other = newRecord({ full_name: "Budi" });
  await store.submitNew(other);
  const r = await engine.sync();
  assert.equal(r.ok, true);
  assert.equal(await stateOf(store, rec.id), "failed");
  assert.equal((await store.getRecord(rec.id)).failure.reason, "invalid_transition");
  assert.equal(await stateOf(store, other.id), "sent");
});

test("a form refusal keeps the per-field reasons in both languages on the record", async () => {
  const { store, server, engine } = await setup();
  const issue = { code: "nik_length", id: "NIK harus 16 angka.", en: "An NIK has 16 digits." };
  server.refusedFields = { nik: issue };
  const rec = newRecord({ nik: "12345" });
  await store.submitNew(rec);
  await engine.sync();
  assert.equal(await stateOf(store, rec.id), "failed");
  const { failure } = await store.getRecord(rec.id);
  assert.equal(failure.reason, "invalid_fields");
  assert.deepEqual(failure.fields, { nik: [issue] });
  assert.deepEqual(await store.pendingMutations(), []);

  server.refusedFields = {};
  await store.editFields(rec.id, { ...rec.fields, nik: "6371054512900002" });
  await engine.sync();
  assert.equal(await stateOf(store, rec.id), "sent");
  const held = server.records.get(rec.id).record;
  assert.equal(held.fields.nik, "6371054512900002");
  assert.equal(held.status, "diterima");
});

test("photos of an application the server refuses wait on the device; after the fix they upload", async () => {
  const { store, server, engine } = await setup();
  const uploaded = [];
  engine.uploader = {
    uploadAll: async () => {
      for (const p of await store.pendingUploads()) {
        uploaded.push(p.sha256);
        await store.markUploaded(p.sha256);
      }
    },
  };
  const photo = { sha256: "f".repeat(64), kind: "ktp", content_type: "image/jpeg", size: 10 };
  server.refusedFields = { nik: { code: "nik_length", id: "NIK harus 16 angka.", en: "An NIK has 16 digits." } };
  const rec = newRecord({ nik: "12345", ktp_photo: photo });
  await store.putPhoto({ ...photo, record_id: rec.id, blob: new Uint8Array([1]) });
  await store.submitNew(rec);
  await engine.sync();
  assert.equal(await stateOf(store, rec.id), "failed");
  assert.deepEqual(uploaded, [], "no file for an application the server does not have");
  assert.equal((await store.pendingUploads()).length, 0);

  server.refusedFields = {};
  await store.editFields(rec.id, { ...rec.fields, nik: "6371054512900002" });
  await engine.sync();
  assert.deepEqual(uploaded, [photo.sha256]);
});

test("a mutation gap renumbers the queue from what the server expects", async () => {
  const { store, server, engine } = await setup();
  await store.setMeta("next_mutation_id", 40);
  await store.submitNew(newRecord());
  const r = await engine.sync();
  assert.equal(r.ok, true);
  assert.equal(server.clients.get("dev-1").last, 2);
  assert.equal(await store.getMeta("next_mutation_id"), 3);
});

test("503 keeps the queue and waits at least Retry-After", async () => {
  const { store, server, engine, events } = await setup();
  await store.submitNew(newRecord());
  server.failNext = { status: 503, body: { error: "busy", message: "coba lagi" }, headers: { "retry-after": "120" } };
  const r = await engine.sync();
  assert.equal(r.ok, false);
  assert.ok(r.retryInMs >= 120_000);
  assert.equal(engine.timer.ms, r.retryInMs);
  assert.equal(await store.countPending(), 2);
  assert.ok(events.some(([e, d]) => e === "error" && d.kind === "retry_later"));
});

test("backoff grows with each failed attempt", async () => {
  const { store, engine } = await setup();
  engine.post = async () => {
    throw new TypeError("offline");
  };
  await store.submitNew(newRecord());
  const delays = [];
  for (let i = 0; i < 4; i++) delays.push((await engine.sync()).retryInMs);
  assert.ok(delays[3] > delays[0], JSON.stringify(delays));
});

test("a revoked device wipes its database", async () => {
  const { store, server, engine, events } = await setup();
  await store.submitNew(newRecord());
  server.revoked = true;
  const r = await engine.sync();
  assert.equal(r.revoked, true);
  assert.ok(events.some(([e]) => e === "revoked"));
  const names = (await indexedDB.databases()).map((d) => d.name);
  assert.ok(!names.includes(store.name));
});

test("a reset cursor pushes the queue first, then pulls everything", async () => {
  const { store, server, engine } = await setup();
  const rec = newRecord();
  await store.submitNew(rec);
  await engine.sync();
  await store.setMeta("cursor", "not-a-cursor");
  await store.editFields(rec.id, { ...rec.fields, full_name: "X" });
  const calls = [];
  const inner = engine.post;
  engine.post = async (p, b) => {
    calls.push([p, b.cursor]);
    return inner(p, b);
  };
  // Skip the normal push so the reset path has something to push.
  await engine.pullAll();
  assert.deepEqual(
    calls.map((c) => c[0]),
    ["/api/sync/pull", "/api/sync/push", "/api/sync/pull"],
  );
  assert.equal(calls[2][1], null);
  assert.equal(server.records.get(rec.id).record.fields.full_name, "X");
  assert.equal((await store.getRecord(rec.id)).fields.full_name, "X");
});

test("pull pages are followed and a page and its cursor are stored together", async () => {
  const { store, server, engine } = await setup();
  engine.pageSize = 2;
  for (let i = 0; i < 5; i++) await store.submitNew(newRecord({ full_name: `P${i}` }));
  await engine.sync();
  assert.equal((await store.allRecords()).length, 5);
  assert.ok(server.pullCalls >= 3);
  const before = await store.getMeta("cursor");
  const bad = {
    cursor: "999",
    has_more: false,
    records: [
      { id: "ok-1", version: 1, fields: {} },
      { version: 1, fields: {} },
    ],
  };
  await assert.rejects(store.applyPullPage(bad));
  assert.equal(await store.getMeta("cursor"), before);
  assert.equal(await store.getRecord("ok-1"), undefined);
});

test("photos wait for their record and attach_file before uploading", async () => {
  const { store, engine } = await setup();
  const photo = { sha256: "a".repeat(64), kind: "ktp", content_type: "image/jpeg", size: 1000 };
  const rec = newRecord({ full_name: "A", ktp_photo: photo });
  await store.putPhoto({ ...photo, record_id: rec.id, blob: new Uint8Array([1, 2, 3]) });
  await store.saveDraft(rec);
  assert.equal((await store.pendingUploads()).length, 0, "drafts never upload");
  const q = await store.submitNew(rec);
  assert.deepEqual(
    q.map((m) => m.name),
    ["create_application", "attach_file", "submit_application"],
  );
  assert.equal(q[1].args.sha256, photo.sha256);
  assert.equal((await store.pendingUploads()).length, 0, "not before the server has the record");
  const uploaded = [];
  engine.uploader = {
    uploadAll: async () => {
      for (const p of await store.pendingUploads()) {
        uploaded.push(p.sha256);
        await store.markUploaded(p.sha256);
      }
    },
  };
  await engine.sync();
  assert.deepEqual(uploaded, [photo.sha256]);
  assert.equal((await store.pendingUploads()).length, 0);
});

test("export holds every unsynced mutation, record and photo", async () => {
  const { store } = await setup();
  const photo = { sha256: "b".repeat(64), kind: "site", content_type: "image/jpeg", size: 3 };
  const rec = newRecord({ full_name: "A", site_photo: photo });
  await store.putPhoto({ ...photo, record_id: rec.id, blob: new Uint8Array([1, 2, 3]) });
  await store.submitNew(rec);
  const out = await store.exportUnsynced(async (b) => Buffer.from(await b.arrayBuffer()).toString("base64"));
  assert.equal(out.outbox.length, 3);
  assert.equal(out.records[0].id, rec.id);
  assert.equal(out.photos[0].data_base64, "AQID");
});

test("classify maps answers to errors", () => {
  assert.throws(() => classify({ status: 401, body: { error: "device_revoked" } }), { kind: "revoked" });
  assert.throws(() => classify({ status: 409, body: { error: "mutation_gap", expected: 4 } }), {
    kind: "gap",
    expected: 4,
  });
  assert.throws(() => classify({ status: 400, body: { error: "bad", message: "m" } }), {
    kind: "protocol",
    message: "m",
  });
  assert.deepEqual(classify({ status: 200, body: { a: 1 } }), { a: 1 });
});

test("every mutation the store builds has exactly the protocol's arguments", async () => {
  const { store } = await setup();
  const ARGS = {
    create_application: ["fields", "form_version", "permit_type", "record_id", "status_token", "tracking_code"],
    update_fields: ["changes", "record_id"],
    submit_application: ["record_id"],
    resubmit_application: ["record_id"],
    cancel_application: ["reason", "record_id"],
    attach_file: ["kind", "record_id", "sha256"],
  };
  const photo = { sha256: "c".repeat(64), kind: "ktp", content_type: "image/jpeg", size: 10 };
  const rec = newRecord({ full_name: "A" });
  await store.submitNew(rec);
  await store.editFields(rec.id, { full_name: "B", ktp_photo: photo });
  await store.resubmit(rec.id, { full_name: "C", ktp_photo: photo });
  await store.cancel(rec.id, "salah input");
  const seen = new Set();
  for (const m of await store.pendingMutations(1000)) {
    seen.add(m.name);
    assert.deepEqual(Object.keys(m.args).sort(), ARGS[m.name], m.name);
    assert.match(m.hlc, /^\d{13}:\d{4}:dev-1$/);
  }
  assert.deepEqual([...seen].sort(), Object.keys(ARGS).sort());
  const ids = (await store.pendingMutations(1000)).map((m) => m.id);
  assert.deepEqual(
    ids,
    ids.map((_, k) => k + 1),
    "ids count up with no gaps",
  );
});

test("a photo the server refuses for good is shown on its record until it is replaced", async () => {
  const { store } = await setup();
  const bad = { sha256: "d".repeat(64), kind: "ktp", content_type: "image/jpeg", size: 10 };
  const good = { sha256: "e".repeat(64), kind: "ktp", content_type: "image/jpeg", size: 12 };
  const rec = newRecord({ full_name: "A", ktp_photo: bad });
  await store.putPhoto({ ...bad, record_id: rec.id, blob: new Uint8Array([1]) });
  await store.submitNew(rec);
  await store.ackPush({ last_mutation_id: 3, results: [{ id: 1, status: "applied" }] });
  assert.equal((await store.pendingUploads()).length, 1);
  await store.markUploadFailed(bad.sha256, "Berkas bukan gambar JPEG.");
  assert.equal((await store.pendingUploads()).length, 0, "not retried forever");
  let s = await store.summary();
  assert.equal(s.refused.get(rec.id), "Berkas bukan gambar JPEG.");
  assert.ok(await store.getPhoto(bad.sha256), "the refused photo is kept on the device");
  await store.putPhoto({ ...good, record_id: rec.id, blob: new Uint8Array([2]) });
  await store.editFields(rec.id, { full_name: "A", ktp_photo: good });
  s = await store.summary();
  assert.equal(s.refused.get(rec.id), undefined);
});

test("a tracking code already taken on the server is replaced and the application created again", async () => {
  const { store, server, engine } = await setup();
  const photo = { sha256: "f".repeat(64), kind: "ktp", content_type: "image/jpeg", size: 10 };
  const a = newRecord({ full_name: "A" });
  const b = { ...newRecord({ full_name: "B", ktp_photo: photo }), tracking_code: a.tracking_code };
  await store.submitNew(a);
  await store.submitNew(b);
  const r = await engine.sync();
  assert.equal(r.ok, true);
  const local = await store.getRecord(b.id);
  assert.notEqual(local.tracking_code, a.tracking_code);
  assert.equal(local.code_changed_from, a.tracking_code);
  assert.equal(local.failure, null);
  const onServer = server.records.get(b.id).record;
  assert.equal(onServer.tracking_code, local.tracking_code);
  assert.equal(onServer.status, "diterima");
  assert.deepEqual(
    onServer.files.map((f) => f.sha256),
    [photo.sha256],
  );
  assert.equal(await stateOf(store, b.id), "sent");
});

test("a sync asked for while one runs runs once more after it, and sees the later change", async () => {
  const { store, server, engine } = await setup();
  const rec = newRecord();
  await store.submitNew(rec);
  await engine.sync();
  // The office asks for a correction while the tablet's next sync is already past its pull.
  const transport = server.transport();
  let release, pulled;
  const gate = new Promise((resolve) => (release = resolve));
  const answered = new Promise((resolve) => (pulled = resolve));
  engine.post = async (path, body) => {
    const answer = await transport(path, body);
    if (path === "/api/sync/pull" && server.pullCalls === 2) {
      pulled();
      await gate;
    }
    return answer;
  };
  const first = engine.sync("timer");
  await answered;
  server.staffEdit(rec.id, {}, "perlu_perbaikan");
  const second = engine.sync("manual");
  const third = engine.sync("manual");
  assert.equal(second, third, "requests made meanwhile share one follow-up");
  release();
  await first;
  assert.equal((await store.getRecord(rec.id)).server.status, "diterima", "the first pull was too early");
  await second;
  assert.equal((await store.getRecord(rec.id)).server.status, "perlu_perbaikan");
  assert.equal(server.pullCalls, 3);
});

test("putPhoto starts a photo as not uploaded and keeps the flag of one already stored", async () => {
  const { store } = await setup();
  const photo = { sha256: "d".repeat(64), kind: "ktp", content_type: "image/jpeg", record_id: "r-1" };
  await store.putPhoto({ ...photo, blob: new Uint8Array([1]) });
  assert.equal((await store.getPhoto(photo.sha256)).uploaded, false);
  await store.putPhoto({ ...photo, uploaded: true, blob: new Uint8Array([1]) });
  assert.equal((await store.getPhoto(photo.sha256)).uploaded, false, "a caller never marks it uploaded");
  await store.markUploaded(photo.sha256);
  await store.putPhoto({ ...photo, kind: "usaha", blob: new Uint8Array([1]) });
  const kept = await store.getPhoto(photo.sha256);
  assert.equal(kept.uploaded, true, "saved again (same bytes): stays uploaded");
  assert.equal(kept.kind, "usaha");
});
