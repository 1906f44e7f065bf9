// Hybrid logical clock: for display and audit only (the server never orders by it).
// Text form: 13-digit wall ms, 4-digit counter, node id — sorts as a string.

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
      return `${String(wall).padStart(13, "0")}-${String(counter).padStart(4, "0")}-${node}`;
    },
    state: () => ({ wall, counter }),
  };
}
