// The data-at-rest layer: vault (PBKDF2 + wrapped AES-GCM key), sealed partitions, the
// officers' list with its growing waits, and the move of a plain database into a partition.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDB, deleteDB } from "idb";
import { createVault, openVault, rewrapVault, pinProblem, WrongSecret, KDF_ITERATIONS } from "../../pwa/core/vault.js";
import { openStore } from "../../pwa/core/store.js";
import { openOfficers, delayAfter, TooSoon, sealLegacy, DIRECTORY_DB } from "../../pwa/core/officers.js";
import { statusToken, trackingCode, uuid } from "../../pwa/core/ids.js";

const FAST = { iterations: 1000 }; // the real cost is tested once below
const NIK = "6371055208900001";
const PHONE = "+6281234567890";
const NAME = "Siti Rahmah Binti Abdullah";

function application() {
  return {
    id: uuid(),
    permit_type: "nib-umk",
    form_version: 1,
    tracking_code: trackingCode(),
    status_token: statusToken(),
    fields: { nik: NIK, phone: PHONE, full_name: NAME },
  };
}

/** Every value of every object store of a database, as raw bytes and text, for scanning. */
async function rawDump(name) {
  const db = await openDB(name);
  const chunks = [];
  const visit = (v) => {
    if (v instanceof Uint8Array || ArrayBuffer.isView(v)) chunks.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    else if (v instanceof ArrayBuffer) chunks.push(Buffer.from(v));
    else if (typeof v === "string") chunks.push(Buffer.from(v));
    else if (v && typeof v === "object") for (const x of Object.values(v)) visit(x);
    else chunks.push(Buffer.from(String(v)));
  };
  for (const s of db.objectStoreNames) {
    for (const k of await db.getAllKeys(s)) visit(k);
    for (const v of await db.getAll(s)) visit(v);
  }
  db.close();
  return Buffer.concat(chunks);
}

let n = 0;
async function freshOfficers(clock = { t: 1_000_000 }) {
  await deleteDB(DIRECTORY_DB);
  return openOfficers(openDB, { deleteDB, now: () => clock.t });
}

test("the vault opens with its secret only, and records its KDF and cost", async () => {
  const { header, key } = await createVault("246810", FAST);
  assert.equal(header.kdf, "PBKDF2-SHA256");
  assert.equal(header.iterations, 1000);
  assert.equal(header.salt.length, 16);
  assert.equal(key.extractable, false, "the data key never leaves Web Crypto");
  const again = await openVault(header, "246810");
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, key, new Uint8Array([7]));
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, again, ct);
  assert.deepEqual([...new Uint8Array(pt)], [7], "the same data key comes back");
  await assert.rejects(openVault(header, "246811"), WrongSecret);
  const tampered = { ...header, wrapped: header.wrapped.map((b, i) => (i === 3 ? b ^ 1 : b)) };
  await assert.rejects(openVault(tampered, "246810"), WrongSecret);
});

test("the default cost is the documented 600 000 PBKDF2 iterations", async () => {
  assert.equal(KDF_ITERATIONS, 600_000);
  const t0 = performance.now();
  const { header } = await createVault("135792");
  assert.equal(header.iterations, 600_000);
  assert.ok(performance.now() - t0 > 20, "a real derivation takes measurable time");
});

test("a new PIN re-wraps the same data key; the old one stops working", async () => {
  const { header } = await createVault("135790", FAST);
  const next = await rewrapVault(header, "135790", "975310", FAST);
  await openVault(next, "975310");
  await assert.rejects(openVault(next, "135790"), WrongSecret);
  await assert.rejects(rewrapVault(header, "000111", "975310", FAST), WrongSecret);
});

test("PIN rules: digits only, at least 6, not a run or a repeat", () => {
  assert.equal(pinProblem("12345"), "pin_short");
  assert.equal(pinProblem("12a456"), "pin_digits");
  assert.equal(pinProblem("111111"), "pin_easy");
  assert.equal(pinProblem("123456"), "pin_easy");
  assert.equal(pinProblem("654321"), "pin_easy");
  assert.equal(pinProblem("284716"), null);
});

test("a sealed partition holds no NIK, phone, name or token in its raw bytes, and reopens", async () => {
  const name = `sealed-${++n}`;
  const { header, key } = await createVault("284716", FAST);
  const store = await openStore(openDB, { name, deleteDB, key });
  const rec = application();
  await store.setMeta("token", "device-token-SECRET-abc123");
  await store.submitNew(rec);
  await store.putPhoto({ sha256: "f".repeat(64), record_id: rec.id, kind: "ktp", content_type: "image/jpeg", blob: new Blob([`KTP ${NIK}`]) });
  store.db.close();

  const raw = await rawDump(name);
  assert.ok(raw.length > 500, "there is something to scan");
  for (const secret of [NIK, PHONE, NAME, "Siti", "device-token-SECRET", rec.tracking_code, rec.status_token])
    assert.equal(raw.includes(Buffer.from(secret)), false, `${secret} is not stored in plain text`);

  const reopened = await openStore(openDB, { name, deleteDB, key: await openVault(header, "284716") });
  assert.equal((await reopened.getRecord(rec.id)).fields.nik, NIK);
  assert.equal(await reopened.getMeta("token"), "device-token-SECRET-abc123");
  assert.equal(await reopened.countPending(), 2);
  const photo = await reopened.getPhoto("f".repeat(64));
  assert.equal(await photo.blob.text(), `KTP ${NIK}`);
  assert.deepEqual(reopened.damaged, []);
  reopened.db.close();
});

test("a plain store (the benchmark's baseline) does hold plain text: the scan can fail", async () => {
  const name = `plain-${++n}`;
  const store = await openStore(openDB, { name, deleteDB });
  await store.submitNew(application());
  store.db.close();
  assert.ok((await rawDump(name)).includes(Buffer.from(NIK)));
});

test("a tampered or moved ciphertext is refused, never shown; other rows still open", async () => {
  const name = `tamper-${++n}`;
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name, deleteDB, key });
  const a = application();
  const b = application();
  const c = application();
  for (const r of [a, b, c]) await store.saveDraft(r);
  await store.putPhoto({ sha256: "e".repeat(64), record_id: a.id, kind: "ktp", blob: new Blob(["photo"]) });
  store.db.close();

  const raw = await openDB(name);
  const sealedA = await raw.get("records", a.id);
  sealedA.ct[5] ^= 0x01;
  await raw.put("records", sealedA, a.id);
  await raw.put("records", await raw.get("records", c.id), b.id); // c's row copied over b's
  const blob = await raw.get("photo_blobs", "e".repeat(64));
  blob.ct[0] ^= 0xff;
  await raw.put("photo_blobs", blob, "e".repeat(64));
  raw.close();

  const reopened = await openStore(openDB, { name, deleteDB, key });
  assert.deepEqual(
    reopened.damaged.map((d) => d.key).sort(),
    [a.id, b.id].sort(),
  );
  assert.equal(await reopened.getRecord(a.id), undefined);
  assert.equal(await reopened.getRecord(b.id), undefined, "c's ciphertext under b's key does not open as b");
  assert.equal((await reopened.getRecord(c.id)).fields.nik, NIK);
  assert.equal((await reopened.getPhoto("e".repeat(64))).blob, null, "a damaged photo is not shown");
  assert.equal((await reopened.pendingUploads()).length, 0);
  reopened.db.close();

  const wrongKey = (await createVault("999111", FAST)).key;
  const other = await openStore(openDB, { name, deleteDB, key: wrongKey });
  assert.equal((await other.allRecords()).length, 0);
  assert.equal(other.damaged.length, 4, "another key opens nothing (3 records, 1 photo row)");
  other.db.close();
});

test("a failing write transaction leaves nothing behind, in memory or on disk", async () => {
  const name = `atomic-${++n}`;
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name, deleteDB, key });
  const rec = application();
  await store.submitNew(rec);
  await assert.rejects(
    store.mutate(rec.id, (cur, enqueue) => {
      enqueue("update_fields", { record_id: rec.id, changes: {} });
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(await store.countPending(), 2);
  assert.equal(await store.getMeta("next_mutation_id"), 3);
  store.db.close();
  const reopened = await openStore(openDB, { name, deleteDB, key });
  assert.equal(await reopened.countPending(), 2);
  reopened.db.close();
});

test("concurrent writers run one after another (no mutation id is handed out twice)", async () => {
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name: `concurrent-${++n}`, deleteDB, key });
  const recs = Array.from({ length: 5 }, application);
  await Promise.all(recs.map((r) => store.submitNew(r)));
  const ids = (await store.pendingMutations(100)).map((m) => m.id);
  assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => i + 1));
  store.db.close();
});

test("two officers on one tablet: separate partitions, separate keys, separate queues", async () => {
  const officers = await freshOfficers();
  const { store: siti } = await officers.add({ username: "siti", full_name: "Siti" }, "284716", FAST);
  const { store: budi } = await officers.add({ username: "budi", full_name: "Budi" }, "913572", FAST);
  const mine = application();
  await siti.submitNew(mine);
  assert.equal(await budi.countPending(), 0);
  assert.equal((await budi.allRecords()).length, 0);
  siti.db.close();
  budi.db.close();

  const list = await officers.list();
  assert.deepEqual(list.map((o) => o.username).sort(), ["budi", "siti"]);
  assert.ok(list.every((o) => !("vault" in o)), "the listing carries no key material");
  const [a, b] = await Promise.all([officers.get("siti"), officers.get("budi")]);
  assert.notEqual(a.partition, b.partition);

  // Budi's PIN does not open Siti's partition, and Budi's partition never shows her work.
  await assert.rejects(officers.unlock("siti", "913572"), WrongSecret);
  const again = await officers.unlock("budi", "913572");
  assert.equal(await again.store.countPending(), 0);
  again.store.db.close();
  await assert.rejects(officers.add({ username: "siti" }, "111222", FAST), /already/);

  await officers.remove("budi");
  assert.deepEqual((await officers.list()).map((o) => o.username), ["siti"]);
  officers.close();
});

test("wrong secrets wait longer each time, persisted across a restart; never wiped", async () => {
  const clock = { t: 5_000_000 };
  const officers = await freshOfficers(clock);
  const { store } = await officers.add({ username: "siti" }, "284716", FAST);
  await store.submitNew(application());
  store.db.close();

  const waits = [];
  for (let i = 0; i < 4; i++) {
    const err = await officers.unlock("siti", "000000").catch((e) => e);
    assert.ok(err instanceof WrongSecret);
    waits.push(err.waitMs);
    await assert.rejects(officers.unlock("siti", "284716"), TooSoon, "even the right PIN waits");
    clock.t += err.waitMs;
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000]);

  const wrongAgain = await officers.unlock("siti", "000001").catch((e) => e);
  officers.close();
  const restarted = await openOfficers(openDB, { deleteDB, now: () => clock.t });
  assert.equal(await restarted.waitMs("siti"), 16_000, "a reload does not reset the wait");
  assert.equal(wrongAgain.failures, 5);
  clock.t += 16_000;
  const { store: opened } = await restarted.unlock("siti", "284716");
  assert.equal(await opened.countPending(), 2, "nothing was wiped");
  assert.equal(await restarted.waitMs("siti"), 0);
  assert.equal((await restarted.get("siti")).failures, 0, "the right PIN resets the count");
  opened.db.close();
  restarted.close();
  assert.equal(delayAfter(40), 15 * 60_000, "capped at 15 minutes");
});

test("a plain database from before the lock moves into a sealed partition whole", async () => {
  const plain = await openStore(openDB, { name: `legacy-${++n}`, deleteDB });
  const rec = application();
  await plain.setMeta("token", "legacy-token");
  await plain.submitNew(rec);
  await plain.putPhoto({ sha256: "c".repeat(64), record_id: rec.id, kind: "ktp", blob: new Blob(["jpeg"]) });
  const officers = await freshOfficers();
  const { store } = await officers.add({ username: "siti" }, "284716", FAST);
  const counts = await sealLegacy(plain.db, store);
  assert.equal(counts.outbox, 2);
  assert.equal(await store.getMeta("token"), "legacy-token");
  assert.equal((await store.getRecord(rec.id)).fields.phone, PHONE);
  assert.equal(await (await store.getPhoto("c".repeat(64))).blob.text(), "jpeg");
  assert.equal(await store.getMeta("next_mutation_id"), 3, "the queue continues where it was");
  plain.db.close();
  store.db.close();
  officers.close();
});

test("queued mutations are counted from their clear index at unlock and opened only when read", async () => {
  const name = `lazy-${++n}`;
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name, deleteDB, key });
  const [a, b] = [application(), application()];
  await store.submitNew(a);
  await store.submitNew(b);
  store.db.close();

  const reopened = await openStore(openDB, { name, deleteDB, key });
  const sealed = reopened.db;
  assert.equal(sealed.rows("outbox").size, 0, "no queued mutation was read or opened at unlock");
  assert.equal(sealed.closed.get("outbox").size, 4);
  const summary = await reopened.summary();
  assert.deepEqual([summary.pending.get(a.id), summary.pending.get(b.id), summary.outboxCount], [2, 2, 4]);
  assert.equal(sealed.rows("outbox").size, 0, "the list's counts open nothing");

  const mine = await reopened.pendingFor(a.id);
  assert.deepEqual(
    mine.map((m) => [m.id, m.name, m.args.fields?.nik]),
    [
      [1, "create_application", NIK],
      [2, "submit_application", undefined],
    ],
  );
  assert.equal(sealed.rows("outbox").size, 2, "only that record's mutations were opened");

  // a write transaction reads rows not opened yet, in order, before it commits
  await reopened.ackPush({ results: [{ id: 3, status: "applied" }], last_mutation_id: 1 });
  assert.deepEqual(
    (await reopened.pendingMutations()).map((m) => m.id),
    [2, 4],
  );
  assert.equal(await reopened.renumberFrom(10), 2);
  reopened.db.close();

  const again = await openStore(openDB, { name, deleteDB, key });
  assert.deepEqual(
    (await again.pendingMutations()).map((m) => [m.id, m.record_id]),
    [
      [10, a.id],
      [11, b.id],
    ],
  );
  assert.equal(await again.getMeta("next_mutation_id"), 12);
  again.db.close();
});

test("a queued mutation altered or re-indexed at rest is refused when read, and reported", async () => {
  const name = `lazy-tamper-${++n}`;
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name, deleteDB, key });
  const [a, b] = [application(), application()];
  await store.submitNew(a);
  await store.submitNew(b);
  store.db.close();

  const raw = await openDB(name);
  const sealed1 = await raw.get("outbox", 1);
  sealed1.ct[3] ^= 0x01; // a's create_application: altered ciphertext
  await raw.put("outbox", sealed1, 1);
  await raw.put("outbox_index", { record_id: a.id }, 3); // b's create_application listed under a
  raw.close();

  const reopened = await openStore(openDB, { name, deleteDB, key });
  const seen = [];
  reopened.onDamaged((d) => seen.push(d.key));
  assert.equal((await reopened.summary()).pending.get(a.id), 3, "before reading, the clear index is all there is");
  assert.deepEqual(
    (await reopened.pendingFor(a.id)).map((m) => m.id),
    [2],
    "neither the altered row nor the moved one is shown",
  );
  assert.deepEqual(seen.sort(), [1, 3]);
  assert.deepEqual(
    reopened.damaged.map((d) => [d.store, d.key]).sort(),
    [
      ["outbox", 1],
      ["outbox", 3],
    ],
  );
  assert.deepEqual(
    (await reopened.pendingMutations()).map((m) => m.id),
    [2, 4],
  );
  reopened.db.close();
});

test("queued mutations sealed before the clear index existed are opened at unlock", async () => {
  const name = `unindexed-${++n}`;
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name, deleteDB, key });
  const rec = application();
  await store.submitNew(rec);
  store.db.close();
  const raw = await openDB(name);
  await raw.clear("outbox_index"); // as a partition sealed by the first version left it
  raw.close();

  const reopened = await openStore(openDB, { name, deleteDB, key });
  assert.equal(reopened.db.rows("outbox").size, 2, "opened at unlock, since there is no clear index to count from");
  assert.equal((await reopened.summary()).pending.get(rec.id), 2);
  await reopened.enqueue(rec.id, "cancel_application", { record_id: rec.id, reason: "x" });
  reopened.db.close();
  const raw2 = await openDB(name);
  assert.deepEqual(await raw2.getAllKeys("outbox_index"), [3], "rows written from now on are indexed");
  raw2.close();
});

test("a write transaction commits when asked, refuses later requests, and otherwise commits on its own", async () => {
  const name = `commit-${++n}`;
  const key = (await createVault("284716", FAST)).key;
  const store = await openStore(openDB, { name, deleteDB, key });
  const tx = store.db.transaction("meta", "readwrite");
  tx.objectStore("meta").put("one", "a");
  tx.commit();
  await assert.rejects(tx.objectStore("meta").put("two", "b"), { name: "TransactionInactiveError" });
  await tx.done;
  const auto = store.db.transaction("meta", "readwrite");
  await auto.objectStore("meta").put("three", "c");
  await auto.done; // no commit(): it commits once a task passes with no request
  store.db.close();
  const reopened = await openStore(openDB, { name, deleteDB, key });
  assert.deepEqual(
    [await reopened.getMeta("a"), await reopened.getMeta("b"), await reopened.getMeta("c")],
    ["one", undefined, "three"],
  );
  reopened.db.close();
});
