// The sync and golden tests run on the production path: a sealed partition under a random
// data key (core/sealed-db.js), not the plain database.
export function testKey() {
  return globalThis.crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}
