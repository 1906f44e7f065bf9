// Connects the DOM-free SyncEngine to the browser: fetch, tus uploads, triggers (online
// event, timer with backoff, Background Sync via the service worker, the button).
import { SyncEngine } from "../core/sync.js";
import { postJson, authHeaders, refreshReference } from "./api.js";
import { getStore } from "./db.js";

const IDLE_PULL_MS = 10 * 60_000;
let engine = null;
const listeners = new Set();

export function onSyncEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const emit = (event, detail) => {
  for (const fn of listeners) fn(event, detail);
};

let tusPromise = null;
function loadTus() {
  if (!tusPromise) {
    tusPromise = new Promise((resolve, reject) => {
      if (window.tus) return resolve(window.tus);
      const s = document.createElement("script");
      s.src = new URL("../vendor/tus.min.js", import.meta.url).href;
      s.onload = () => resolve(window.tus);
      s.onerror = () => {
        tusPromise = null;
        reject(new Error("tus-js-client not available"));
      };
      document.head.append(s);
    });
  }
  return tusPromise;
}

/**
 * Does the server hold this file, or a live part of it? A JSON answer that is 200 either
 * way, so the usual "not yet" for a new photo logs no failed request (a tus HEAD would be a
 * 404). Any other answer: assume it may, and let tus ask with HEAD.
 */
async function serverHas(sha256, headers) {
  try {
    const res = await fetch(`/api/uploads/${sha256}/state`, { headers, cache: "no-store" });
    const body = await res.json().catch(() => ({})); // read whole: never left to be aborted
    if (res.status === 200) return body.present === true;
  } catch {
    // offline or cut: tus's own requests will fail and retry the same way
  }
  return true;
}

/** Upload one stored photo with tus; resolves when the server has every byte. */
async function uploadOne(tus, photo, headers, onProgress) {
  // The resource is named by the hash: a file the server holds (whole or in part) is
  // resumed there with HEAD, which sends only what is missing (nothing, if it is whole).
  const resource = `/api/uploads/${photo.sha256}`;
  const present = await serverHas(photo.sha256, headers);
  await new Promise((resolve, reject) => {
    const upload = new tus.Upload(photo.blob, {
      endpoint: "/api/uploads/",
      uploadUrl: present ? resource : null,
      headers,
      metadata: {
        sha256: photo.sha256,
        filename: photo.name || `${photo.kind}-${photo.sha256.slice(0, 12)}.jpg`,
        filetype: photo.content_type || "image/jpeg",
        record_id: photo.record_id,
        kind: photo.kind,
      },
      uploadDataDuringCreation: true,
      storeFingerprintForResuming: false,
      retryDelays: [0, 1000, 3000, 5000],
      onShouldRetry: (err) => {
        const status = err?.originalResponse?.getStatus?.();
        const retry = !(status && status >= 400 && status < 500 && status !== 409 && status !== 423);
        // A create cut off before its answer may have left the bytes on the server: the
        // retry asks there (HEAD) instead of sending a second copy.
        if (retry) upload.options.uploadUrl = resource;
        return retry;
      },
      onProgress: (sent, total) => onProgress(sent, total),
      onError: reject,
      onSuccess: resolve,
    });
    upload.start();
  });
}

function uploadReason(body, status) {
  try {
    const parsed = JSON.parse(body);
    return parsed.message || parsed.error || `HTTP ${status}`;
  } catch {
    return `HTTP ${status}`;
  }
}

function makeUploader(store) {
  return {
    async uploadAll(progress) {
      const pending = await store.pendingUploads();
      if (pending.length === 0) return;
      const tus = await loadTus();
      const headers = await authHeaders();
      let i = 0;
      for (const p of pending) {
        i++;
        try {
          await uploadOne(tus, p, headers, (sent, total) =>
            progress({ done: i - 1, total: pending.length, bytes: sent, bytesTotal: total }),
          );
        } catch (err) {
          const status = err?.originalResponse?.getStatus?.();
          const body = err?.originalResponse?.getBody?.();
          if (status === 401 && String(body).includes("device_revoked"))
            throw Object.assign(new Error("revoked"), { kind: "revoked" });
          if (status >= 400 && status < 500 && ![401, 408, 409, 423, 429].includes(status)) {
            // The server refuses this file for good (type, size, content): say so on the
            // record, keep the photo on the device, and let the other uploads go on.
            await store.markUploadFailed(p.sha256, uploadReason(body, status));
            continue;
          }
          throw Object.assign(new Error(`upload failed: ${err.message}`), { kind: status ? "upload" : "network" });
        }
        await store.markUploaded(p.sha256);
        progress({ done: i, total: pending.length });
      }
    },
  };
}

export async function startSync() {
  if (engine) return engine;
  const store = await getStore();
  const clientId = await store.getMeta("client_id");
  const mine = new SyncEngine({
    store,
    clientId,
    post: (path, body) => postJson(path, body),
    uploader: makeUploader(store),
    emit: (event, detail) => {
      if (mine !== engine) return; // stopped (locked or logged out) while it ran
      if (event === "done") {
        mine.schedule(IDLE_PULL_MS);
        checkReference();
      }
      emit(event, detail);
    },
  });
  engine = mine;
  listenOnce();
  if (navigator.onLine) {
    checkReference();
    engine.sync("start");
  }
  return engine;
}

let listening = false;
function listenOnce() {
  if (listening) return;
  listening = true;
  window.addEventListener("online", () => engine?.sync("online"));
  navigator.serviceWorker?.addEventListener("message", (e) => {
    if (e.data?.type !== "background-sync") return;
    // While the app is locked nothing can be read or sent: the browser retries later.
    const run = engine ? engine.sync("background") : Promise.resolve({ ok: false });
    run.then((r) => e.source?.postMessage({ type: "background-sync-done", ok: !!r?.ok }));
  });
}

/**
 * Keep permit types, forms and regions current (a 304 when nothing changed). Also the
 * first call at start-up, so a revoked tablet is wiped even with an empty outbox.
 */
export async function checkReference() {
  try {
    await refreshReference();
  } catch (err) {
    if (err.status === 401 && err.body?.error === "device_revoked") {
      engine?.stop();
      emit("revoked", err);
    }
  }
}

export function syncNow(reason = "button") {
  return engine ? engine.sync(reason) : Promise.resolve({ ok: false });
}

export function stopSync() {
  engine?.stop();
  engine = null;
}

/** Ask the browser to wake us when a connection returns (Chromium's Background Sync). */
export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register("jb-outbox");
  } catch {
    // not supported or not allowed: the online event and the timer still cover it
  }
  if (navigator.onLine) syncNow("queued");
}
