// Service worker: precaches the app shell (an explicit allowlist: never API data, photos
// or status pages), serves it offline, and waits for the officer's "Perbarui" before a new
// version takes over. The server fills in VERSION with a hash of the shell files.
const VERSION = "__SHELL_VERSION__";
const PREFIX = "jb-shell-";
const CACHE = `${PREFIX}${VERSION}`;

const SHELL = [
  "./",
  "index.html",
  "manifest.webmanifest",
  "css/app.css",
  "icons/icon.svg",
  "icons/icon-192.png",
  "icons/icon-512.png",
  "icons/icon-maskable-512.png",
  "i18n/id.json",
  "i18n/en.json",
  "js/app.js",
  "js/api.js",
  "js/db.js",
  "js/dom.js",
  "js/idle.js",
  "js/i18n.js",
  "js/photo.js",
  "js/session.js",
  "js/sw-register.js",
  "js/sync-client.js",
  "js/ui/common.js",
  "js/ui/field-shell.js",
  "js/ui/fields.js",
  "js/ui/fields-media.js",
  "js/ui/fields-region.js",
  "js/ui/form.js",
  "js/ui/header.js",
  "js/ui/list.js",
  "js/ui/lock.js",
  "js/ui/login.js",
  "js/ui/receipt.js",
  "js/ui/record.js",
  "js/ui/settings.js",
  "core/backoff.js",
  "core/clock.js",
  "core/ids.js",
  "core/nik.js",
  "core/officers.js",
  "core/phone.js",
  "core/records.js",
  "core/rupiah.js",
  "core/sealed-db.js",
  "core/store.js",
  "core/sync.js",
  "core/hlc.js",
  "core/vault.js",
  "vendor/idb.js",
  "vendor/qrcode.js",
  "vendor/signature_pad.js",
  "vendor/tus.min.js",
];

const scope = new URL(self.registration.scope);
const shellUrls = new Set(SHELL.map((p) => new URL(p, scope).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((p) => new Request(new URL(p, scope), { cache: "reload" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (req.mode === "navigate") {
    // Every page of the app is index.html (routes live in the hash).
    event.respondWith(fromCache(new URL("index.html", scope).href).then((r) => r || fetch(req)));
    return;
  }
  const clean = url.origin + url.pathname;
  if (!shellUrls.has(clean)) return;
  event.respondWith(fromCache(clean).then((r) => r || fetch(req)));
});

function fromCache(url) {
  // caches.match, not caches.open: opening would re-create a cache a revocation just wiped
  return caches.match(url, { cacheName: CACHE, ignoreSearch: true });
}

// Background Sync: wake an open window to run the sync engine (it needs the page's
// modules and tus-js-client). With no window open, fail so the browser retries later.
self.addEventListener("sync", (event) => {
  if (event.tag !== "jb-outbox") return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window" });
      if (!windows.length) throw new Error("no window to sync from; retry later");
      windows[0].postMessage({ type: "background-sync" });
    })(),
  );
});
