// Enrollment, logout and the revocation wipe.
import { getStore, forgetStore } from "./db.js";
import { stopSync } from "./sync-client.js";
import { uuid } from "../core/ids.js";

export async function saveEnrollment(answer) {
  const store = await getStore();
  await store.setMeta("token", answer.token);
  await store.setMeta("device_id", answer.device_id);
  // One client id per installation (docs/sync-protocol.md); the server binds it to this device.
  if (!(await store.getMeta("client_id"))) await store.setMeta("client_id", uuid());
  await store.setMeta("user", answer.user);
  await store.setMeta("enrolled_at", new Date().toISOString());
}

/** Forget everything on this device: data, cached app, service worker. */
export async function wipeDevice() {
  stopSync();
  try {
    const store = await getStore();
    await store.wipe();
  } catch {
    // already gone
  }
  forgetStore({ dead: true });
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase("jemput-bola");
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  if (self.caches) for (const k of await caches.keys()) await caches.delete(k);
  const regs = (await navigator.serviceWorker?.getRegistrations?.()) || [];
  for (const r of regs) await r.unregister();
}

/** Logout keeps the app shell but removes the device's data and token. */
export async function logout() {
  stopSync();
  const store = await getStore();
  await store.wipe();
  forgetStore();
}
