// The sync client against the golden conversations in tests/fixtures/sync/ (the server's
// tests replay the same files). For each device in a fixture, the engine must send exactly
// the recorded requests, in order, and end with the server's state stored locally.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { openDB, deleteDB } from "idb";
import { openStore } from "../../pwa/core/store.js";
import { testKey } from "./sealed-key.js";
import { SyncEngine } from "../../pwa/core/sync.js";

const DIR = new URL("../fixtures/sync/", import.meta.url);

// Steps a real client never produces on its own, and how the harness treats them.
const SPECIAL = {
  // "the first attempt commits (the device never sees this answer)"
  "replay.json": { 0: "lost_answer", 2: "server_only" },
};
// Requests refused whole by design; checked separately below.
const MALFORMED = new Set(["bad_request.json"]);

const strip = (body) => {
  const out = { ...body };
  delete out.sent_at;
  delete out.pending;
  if (out.mutations) out.mutations = out.mutations.map(({ id, name, args }) => ({ id, name, args }));
  return out;
};

let dbCount = 0;

async function converse(file, fx, actorName, actor) {
  const special = SPECIAL[file] || {};
  const steps = fx.steps
    .map((s, index) => ({ ...s, index }))
    .filter((s) => s.actor === actorName && s.request?.path?.startsWith("/api/sync/"));
  const planned = steps.filter((s) => special[s.index] !== "server_only");
  const store = await openStore(openDB, { name: `golden-${++dbCount}`, deleteDB, key: await testKey() });
  await store.setMeta("client_id", actor.client_id);
  let i = 0;
  const sent = [];
  const post = async (path, body) => {
    const step = planned[i++];
    assert.ok(step, `${file}/${actorName}: unexpected extra request to ${path}`);
    assert.equal(path, step.request.path, `${file} step ${step.index}`);
    assert.deepEqual(strip(body), strip(step.request.body), `${file} step ${step.index}: ${step.note}`);
    for (const m of body.mutations || []) {
      assert.match(m.hlc, /^\d{13}:\d{4}:[0-9a-z-]{1,8}$/);
      assert.match(m.device_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    }
    assert.match(body.sent_at, /Z$/);
    sent.push(step);
    if (special[step.index] === "lost_answer") throw new TypeError("Failed to fetch");
    return { status: step.response.status, headers: new Map(), body: step.response.body };
  };
  const engine = new SyncEngine({ store, post, clientId: actor.client_id, random: () => 0 });
  engine.setTimer = () => null;
  engine.clearTimer = () => {};

  const enqueueFrom = async (step) => {
    let next = (await store.getMeta("next_mutation_id")) ?? 1;
    for (const m of step.request.body.mutations) {
      if (m.id < next) continue;
      if (m.id > next) await store.setMeta("next_mutation_id", m.id); // the device lost some
      await store.enqueue(m.args.record_id, m.name, m.args);
      next = m.id + 1;
    }
  };

  while (i < planned.length) {
    const step = planned[i];
    if (step.request.path.endsWith("/push")) {
      await enqueueFrom(step);
      await engine.pushAll().catch((err) => {
        if (err.kind !== "network" && err.kind !== "gap") throw err;
      });
    } else {
      const cursor = step.request.body.cursor;
      engine.pageSize = step.request.body.limit;
      if ((await store.getMeta("cursor")) !== cursor) await store.setMeta("cursor", cursor);
      if (step.response.body.reset) {
        const after = planned[i + 1];
        if (after?.request.path.endsWith("/push")) await enqueueFrom(after);
      }
      await engine.pullAll();
    }
  }
  assert.equal(i, planned.length, `${file}/${actorName}: every recorded request was sent`);
  return { store, sent, steps: planned };
}

for (const file of readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  if (MALFORMED.has(file)) continue;
  const fx = JSON.parse(readFileSync(new URL(file, DIR)));
  for (const [actorName, actor] of Object.entries(fx.actors)) {
    if (!actor.client_id) continue;
    test(`golden ${file} as ${actorName}`, async () => {
      const { store, sent } = await converse(file, fx, actorName, actor);
      // The final state: the latest pulled version of every record, conflicts, tombstones.
      const latest = new Map();
      const conflicts = new Map();
      const gone = new Set();
      let cursor = null;
      for (const step of sent) {
        const body = step.response.body;
        for (const r of body.results || []) for (const c of r.conflicts || []) conflicts.set(c.id, c);
        if (!step.request.path.endsWith("/pull") || body.reset) continue;
        if (body.reset === false && step.request.body.cursor === null) {
          // A full pull replaces the local copy.
          for (const id of [...latest.keys()]) if (!body.records.some((r) => r.id === id)) latest.delete(id);
        }
        for (const r of body.records) latest.set(r.id, r);
        for (const t of body.tombstones) {
          latest.delete(t.id);
          gone.add(t.id);
        }
        for (const c of body.conflicts) conflicts.set(c.id, c);
        cursor = body.cursor;
      }
      assert.equal(await store.countPending(), 0, "the outbox is empty");
      if (cursor !== null) assert.equal(await store.getMeta("cursor"), cursor);
      for (const [id, server] of latest) {
        const local = await store.getRecord(id);
        assert.ok(local, `record ${id} is stored`);
        assert.equal(local.server.version, server.version);
        assert.equal(local.server.status, server.status);
        assert.deepEqual(local.fields, server.fields, "no pending edits: the server's fields show");
        assert.deepEqual(local.server.corrections, server.corrections);
      }
      for (const id of gone) assert.equal(await store.getRecord(id), undefined, `tombstoned ${id} removed`);
      const stored = new Map((await store.allConflicts()).map((c) => [c.id, c]));
      assert.deepEqual(stored, conflicts);
    });
  }
}

test("golden rejections are shown on their records and never block the queue", async () => {
  const fx = JSON.parse(readFileSync(new URL("rejection.json", DIR)));
  const actor = Object.values(fx.actors)[0];
  const [name] = Object.keys(fx.actors);
  const { store, sent } = await converse("rejection.json", fx, name, actor);
  const results = sent[0].response.body.results;
  assert.ok(results.some((r) => r.status === "rejected"));
  assert.equal(await store.countPending(), 0);
});

test("the client never builds what bad_request.json shows the server refusing", async () => {
  const store = await openStore(openDB, { name: `golden-${++dbCount}`, deleteDB, key: await testKey() });
  await store.setMeta("client_id", "5a0b8e9c-1d2f-4a6b-8c3d-2e1f0a9b8c7d");
  for (let k = 0; k < 150; k++)
    await store.enqueue("0f8e4c1a-7b2d-4e9f-a1c3-5d6e7f8a9b0c", "submit_application", {
      record_id: "0f8e4c1a-7b2d-4e9f-a1c3-5d6e7f8a9b0c",
    });
  const bodies = [];
  const engine = new SyncEngine({
    store,
    clientId: "5a0b8e9c-1d2f-4a6b-8c3d-2e1f0a9b8c7d",
    post: async (path, body) => {
      bodies.push(body);
      const last = body.mutations ? body.mutations.at(-1).id : 0;
      return {
        status: 200,
        headers: new Map(),
        body: path.endsWith("push")
          ? { last_mutation_id: last, results: body.mutations.map((m) => ({ id: m.id, status: "applied" })) }
          : { reset: false, cursor: "c", has_more: false, records: [], tombstones: [], conflicts: [] },
      };
    },
  });
  await engine.sync();
  const allowed = new Set(["protocol", "client_id", "mutations", "sent_at", "cursor", "limit", "pending"]);
  for (const b of bodies) {
    assert.equal(b.protocol, 1);
    for (const k of Object.keys(b)) assert.ok(allowed.has(k), k);
    if ("pending" in b) assert.ok(Number.isInteger(b.pending) && b.pending >= 0, "pending");
    if (b.mutations) {
      assert.ok(b.mutations.length <= 100);
      b.mutations.forEach((m, j) => j && assert.equal(m.id, b.mutations[j - 1].id + 1));
    } else {
      assert.ok(b.limit >= 1 && b.limit <= 500);
    }
  }
});
