// Enrollment, logout and the revocation wipe. Each officer's data lives in their own sealed
// partition (js/db.js); logout and revocation delete only that officer's partition.
import { getStore, getOfficers, removeActiveOfficer, markWiped } from "./db.js";
import { stopSync } from "./sync-client.js";
import { postJson } from "./api.js";
import { uuid } from "../core/ids.js";
import { setIdleSeconds } from "./idle.js";
import { setTimeZone } from "./i18n.js";
import { isTimeZone } from "../core/clock.js";

export async function saveEnrollment(answer) {
  const store = await getStore();
  await store.setMeta("token", answer.token);
  await store.setMeta("device_id", answer.device_id);
  // One client id per installation (docs/sync-protocol.md); the server binds it to this device.
  if (!(await store.getMeta("client_id"))) await store.setMeta("client_id", uuid());
  await store.setMeta("user", answer.user);
  await store.setMeta("enrolled_at", new Date().toISOString());
  await saveFieldAppSettings(answer.field_app);
}

/** Settings the server sends (enrollment, /api/me): kept for the lock timer, also offline. */
export async function saveFieldAppSettings(fieldApp) {
  if (isTimeZone(fieldApp?.timezone)) {
    await (await getOfficers()).setSetting("timezone", fieldApp.timezone);
    setTimeZone(fieldApp.timezone);
  }
  const seconds = Number(fieldApp?.lock_idle_seconds);
  if (!Number.isInteger(seconds) || seconds <= 0) return;
  await (await getOfficers()).setSetting("lock_idle_seconds", seconds);
  setIdleSeconds(seconds);
}

/**
 * Revocation: forget this officer's partition. With no officer left, also the cached app
 * and the service worker (as before shared tablets).
 */
export async function wipeDevice() {
  stopSync();
  await removeActiveOfficer();
  const officers = await getOfficers();
  if ((await officers.list()).length) return { othersLeft: true };
  markWiped();
  const regs = (await navigator.serviceWorker?.getRegistrations?.()) || [];
  for (const r of regs) await r.unregister();
  if (self.caches) for (const k of await caches.keys()) await caches.delete(k);
  return { othersLeft: false };
}

/**
 * Logout: revoke this tablet's token on the server when online (so a copy of it is
 * worthless), then delete this officer's partition. The app shell stays installed.
 */
export async function logout() {
  stopSync();
  let revoked = false;
  if (navigator.onLine) {
    try {
      const res = await postJson("/api/devices/logout", {});
      revoked = res.status === 204 || res.status === 401;
    } catch {
      // offline after all: the token is deleted here; an admin can revoke it in /admin/
    }
  }
  await removeActiveOfficer();
  return { revoked };
}
