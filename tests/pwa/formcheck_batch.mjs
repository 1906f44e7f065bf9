// Runs the field app's own checker (pwa/core/formcheck.js) for a Python test, one JSON line
// in, one out: {definition, values, known: [codes] | null, now: ISO} -> {ok, errors, warnings}.
// One process serves a whole property test.
import { createInterface } from "node:readline";
import { checkValues } from "../../pwa/core/formcheck.js";

const lines = createInterface({ input: process.stdin });
let known = null;
for await (const line of lines) {
  const msg = JSON.parse(line);
  if (msg.known !== undefined) known = msg.known === null ? null : new Set(msg.known);
  if (!msg.definition) {
    process.stdout.write("{}\n");
    continue;
  }
  const answer = checkValues(msg.definition, msg.values, {
    complete: msg.complete ?? true,
    knownRegion: known ? (code) => known.has(code) : null,
    now: new Date(msg.now),
  });
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
