// The citizen's feedback and SKM survey taken on the tablet: the value rules, the queued
// mutations, and what a rejection does (noted on the ticket or survey, never on the application).
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDB, deleteDB } from "idb";
import { openStore } from "../../pwa/core/store.js";
import { testKey } from "./sealed-key.js";
import { recordState } from "../../pwa/core/records.js";
import { statusToken, trackingCode, uuid } from "../../pwa/core/ids.js";
import {
  entryState,
  feedbackArgs,
  feedbackProblems,
  surveyArgs,
  surveyOpen,
  surveyProblems,
  ticketCode,
  ticketToken,
} from "../../pwa/core/citizen.js";

let n = 0;
async function storeWithRecord(status = "terbit") {
  const store = await openStore(openDB, { name: `c${++n}`, deleteDB, key: await testKey() });
  const rec = {
    id: uuid(),
    permit_type: "nib-umk",
    form_version: 1,
    tracking_code: trackingCode(),
    status_token: statusToken(),
    fields: { full_name: "Siti Aminah" },
    draft: false,
    created: true,
    accepted: true,
    failure: null,
    server: { version: 5, status, fields: {}, corrections: {}, files: [] },
  };
  await store.db.put("records", rec);
  return { store, rec };
}

const complaint = {
  kind: "pengaduan",
  category: "permintaan_imbalan",
  message: "  Diminta uang rokok oleh oknum.  ",
  contact_name: "",
  contact: "",
};
const answers = { u1: 4, u2: 3, u3: 3, u4: 4, u5: 3, u6: 4, u7: 4, u8: 2, u9: 3, age: 41, sex: "L", education: "s1", occupation: "petani_nelayan" };

test("the tablet's rules refuse what the server refuses", () => {
  assert.deepEqual(feedbackProblems(complaint), {});
  assert.deepEqual(feedbackProblems({ ...complaint, category: "" }), { category: "choose" });
  assert.deepEqual(feedbackProblems({ ...complaint, kind: "keluhan" }), { kind: "choose" });
  assert.deepEqual(feedbackProblems({ ...complaint, message: "   pendek   " }), { message: "too_short" });
  assert.deepEqual(feedbackProblems({ ...complaint, message: "x".repeat(2001) }), { message: "too_long" });
  // 2,000 emoji are 2,000 characters for the server (code points), 4,000 UTF-16 units here
  assert.deepEqual(feedbackProblems({ ...complaint, message: "😀".repeat(2000) }), {});
  assert.deepEqual(feedbackProblems({ ...complaint, contact: "\u0000".padEnd(12, "a") }), { contact: "bad_character" });
  assert.deepEqual(feedbackProblems({ ...complaint, kind: "saran", category: "" }), {});
  assert.deepEqual(surveyProblems(answers), {});
  assert.deepEqual(surveyProblems({ ...answers, u4: 5, u9: 0, age: 14 }), { u4: "choose", u9: "choose", age: "age_range" });
  assert.deepEqual(surveyProblems({ ...answers, u1: null, sex: "X", occupation: "" }), {
    u1: "choose",
    sex: "choose",
    occupation: "choose",
  });
  assert.match(ticketCode(), /^TK(-[2-9A-HJ-NP-Z]{4}){3}$/);
  assert.match(ticketToken(), /^[A-Za-z0-9_-]{22}$/);
});

test("feedback is queued with its ticket; a refusal is noted on the ticket, not the record", async () => {
  const { store, rec } = await storeWithRecord("diterima");
  const args = feedbackArgs({ id: uuid(), recordId: rec.id, code: ticketCode(), token: ticketToken(), values: complaint });
  assert.equal(args.message, "Diminta uang rokok oleh oknum.");
  assert.equal("contact" in args, false);
  const [queued] = await store.recordFeedback(rec.id, args);
  assert.equal(queued.name, "submit_feedback");
  assert.equal(queued.record_id, rec.id);
  let saved = await store.getRecord(rec.id);
  assert.equal(saved.feedback.length, 1);
  assert.equal(saved.feedback[0].ticket_code, args.ticket_code);
  assert.equal("message" in saved.feedback[0], false); // the message lives in the outbox only
  assert.equal(entryState(saved.feedback[0], await store.pendingFor(rec.id), "feedback_id"), "pending");

  await store.ackPush({ last_mutation_id: queued.id, results: [{ id: queued.id, status: "applied" }] });
  saved = await store.getRecord(rec.id);
  assert.equal(entryState(saved.feedback[0], await store.pendingFor(rec.id), "feedback_id"), "sent");

  const again = feedbackArgs({ id: uuid(), recordId: rec.id, code: ticketCode(), token: ticketToken(), values: complaint });
  const [second] = await store.recordFeedback(rec.id, again);
  await store.ackPush({
    last_mutation_id: second.id,
    results: [{ id: second.id, status: "rejected", reason: "not_found", message: "Application … is not yours." }],
  });
  saved = await store.getRecord(rec.id);
  assert.equal(saved.failure, null);
  assert.equal(recordState(saved, { pending: 0 }), "sent");
  assert.equal(saved.feedback[1].rejected.reason, "not_found");
  assert.equal(entryState(saved.feedback[1], [], "feedback_id"), "rejected");
  assert.equal(entryState(saved.feedback[0], [], "feedback_id"), "sent");
});

test("one survey per service: open once issued, closed while one is queued or was taken", async () => {
  const { store, rec } = await storeWithRecord("diproses");
  assert.equal(surveyOpen(await store.getRecord(rec.id)), false);
  await store.db.put("records", { ...rec, server: { ...rec.server, status: "terbit" } });
  assert.equal(surveyOpen(await store.getRecord(rec.id)), true);
  const args = surveyArgs({ id: uuid(), recordId: rec.id, values: answers });
  assert.deepEqual(Object.keys(args.answers), ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"]);
  const [queued] = await store.recordSurvey(rec.id, args);
  assert.equal(queued.name, "submit_survey");
  assert.equal(surveyOpen(await store.getRecord(rec.id)), false);
  await store.ackPush({
    last_mutation_id: queued.id,
    results: [{ id: queued.id, status: "rejected", reason: "already_rated", message: "already been rated" }],
  });
  const saved = await store.getRecord(rec.id);
  assert.equal(saved.failure, null);
  assert.equal(saved.survey.rejected.reason, "already_rated");
  assert.equal(entryState(saved.survey, [], "survey_id"), "rejected");
  assert.equal(surveyOpen(saved), false); // rated elsewhere: not offered again
  const notOpen = { ...saved, survey: { ...saved.survey, rejected: { reason: "survey_not_open" } } };
  assert.equal(surveyOpen(notOpen), true); // refused only for its timing: may be taken again
});
