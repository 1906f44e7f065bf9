// Hybrid logical clock: for display and audit only (the server never orders by it).
// Text form (docs/sync-protocol.md): "<wall ms>:<4-digit counter>:<node>", e.g.
// "1772327700000:0001:5a0b8e9c".

export function makeHlc(node, state = { wall: 0, counter: 0 }) {
  let { wall, counter } = state;
  return {
    tick(now = Date.now()) {
      if (now > wall) {
        wall = now;
        counter = 0;
      } else {
        counter += 1;
      }
      return `${wall}:${String(counter).padStart(4, "0")}:${node}`;
    },
    state: () => ({ wall, counter }),
  };
}
