import { test } from "node:test";
import assert from "node:assert/strict";
import { correctionNotes, diffFields, mergePulled, pendingFieldNames, recordState } from "../../pwa/core/records.js";

const server = (over = {}) => ({
  id: "r1",
  version: 2,
  permit_type: "sku",
  form_version: 1,
  tracking_code: "JB-2222-2222-2222",
  status: "diterima",
  fields: { a: 1, b: 2 },
  corrections: {},
  files: [],
  ...over,
});

test("the states take precedence in the documented order", () => {
  const rec = { draft: false, failure: null, server: server() };
  assert.equal(recordState({ ...rec, draft: true }, { pending: 3 }), "draft");
  assert.equal(recordState({ ...rec, failure: { reason: "x" } }, { conflicts: 1 }), "failed");
  assert.equal(recordState(rec, { conflicts: 1, pending: 1 }), "conflict");
  assert.equal(recordState(rec, { uploads: 1 }), "waiting");
  assert.equal(recordState({ ...rec, server: server({ status: "perlu_perbaikan" }) }), "correction");
  assert.equal(recordState({ ...rec, server: server({ status: "perlu_perbaikan" }) }, { pending: 1 }), "waiting");
  assert.equal(recordState({ ...rec, server: null }), "waiting", "never seen by the server yet");
  assert.equal(recordState(rec), "sent");
});

test("a pull keeps fields with queued edits and takes the rest from the server", () => {
  const local = { id: "r1", draft: false, fields: { a: 10, b: 2, c: 5 }, server: null };
  const pending = [{ name: "update_fields", args: { changes: { a: { base: 1, value: 10 } } } }];
  const merged = mergePulled(local, server({ fields: { a: 1, b: 20 } }), pending);
  assert.deepEqual(merged.fields, { a: 10, b: 20 });
  assert.equal(merged.server.version, 2);
  assert.deepEqual(mergePulled(local, server({ fields: { a: 1, b: 20 } }), []).fields, { a: 1, b: 20 });
});

test("a record first seen in a pull is created from it", () => {
  const merged = mergePulled(undefined, server(), []);
  assert.equal(merged.draft, false);
  assert.equal(merged.tracking_code, "JB-2222-2222-2222");
  assert.deepEqual(merged.fields, { a: 1, b: 2 });
});

test("the tablet keeps the status token it printed; a re-enrolled one takes the server's", () => {
  const pulled = server({ status_token: "reprintReprintReprint1" });
  assert.equal(mergePulled(undefined, pulled, []).status_token, "reprintReprintReprint1");
  const own = { id: "r1", fields: {}, status_token: "ownTokenOwnTokenOwnTo" };
  assert.equal(mergePulled(own, pulled, []).status_token, "ownTokenOwnTokenOwnTo");
  assert.equal(mergePulled(undefined, server(), []).status_token, "");
});

test("pending field names come from creates and updates", () => {
  const names = pendingFieldNames([
    { name: "create_application", args: { fields: { x: 1 } } },
    { name: "update_fields", args: { changes: { y: {} } } },
    { name: "submit_application", args: {} },
  ]);
  assert.deepEqual([...names].sort(), ["x", "y"]);
});

test("diffFields reports each change with its base; removals become null", () => {
  assert.deepEqual(diffFields({ a: 1, b: { k: 1 }, c: 3 }, { a: 1, b: { k: 2 }, d: 4 }), {
    b: { base: { k: 1 }, value: { k: 2 } },
    c: { base: 3, value: null },
    d: { base: null, value: 4 },
  });
});

test("office notes read from the protocol's object and from a list", () => {
  assert.deepEqual(correctionNotes({ phone: "salah" }), [["phone", "salah"]]);
  assert.deepEqual(correctionNotes([{ field: "phone", note: "salah" }]), [["phone", "salah"]]);
  assert.deepEqual(correctionNotes(null), []);
});
