// The sync engine: push the outbox, then pull pages, then upload photos. DOM-free: the
// store (store.js), the HTTP transport and the photo uploader are passed in.
import { backoffDelay, parseRetryAfter } from "./backoff.js";

export const PROTOCOL = 1;

export class SyncError extends Error {
  constructor(kind, message, extra = {}) {
    super(message);
    this.kind = kind; // network | revoked | unauthorized | retry_later | server | protocol
    Object.assign(this, extra);
  }
}

/** Turn an HTTP answer into data or a SyncError. `res` = {status, headers: Map-like, body}. */
export function classify(res, now = Date.now()) {
  const body = res.body || {};
  if (res.status >= 200 && res.status < 300) return body;
  if (res.status === 401 && body.error === "device_revoked")
    throw new SyncError("revoked", body.message || "device revoked");
  if (res.status === 401) throw new SyncError("unauthorized", body.message || "unauthorized");
  if (res.status === 409 && body.error === "mutation_gap")
    throw new SyncError("gap", body.message || "mutation gap", { expected: body.expected });
  if (res.status === 403 && body.error === "foreign_client")
    throw new SyncError("foreign_client", body.message || "client id belongs to another device");
  if (res.status === 413) throw new SyncError("too_large", body.message || "batch too large");
  if (res.status === 503 || res.status === 429 || res.status === 502 || res.status === 504) {
    const retryAfterMs = parseRetryAfter(res.headers?.get?.("retry-after"), now);
    throw new SyncError("retry_later", body.message || `server busy (${res.status})`, { retryAfterMs });
  }
  throw new SyncError(res.status >= 500 ? "server" : "protocol", body.message || `HTTP ${res.status}`, {
    status: res.status,
    code: body.error,
  });
}

export class SyncEngine {
  /**
   * @param {object} o
   * @param {import('./store.js').Store} o.store
   * @param {(path: string, body: object) => Promise<{status:number, headers:any, body:any}>} o.post
   * @param {string} o.clientId
   * @param {{uploadAll(onProgress: Function): Promise<void>}} [o.uploader]
   * @param {(event: string, detail?: any) => void} [o.emit]
   */
  constructor({
    store,
    post,
    clientId,
    uploader = null,
    emit = () => {},
    batchSize = 100,
    pageSize = 200,
    random = Math.random,
    now = () => Date.now(),
  }) {
    Object.assign(this, { store, post, clientId, uploader, emit, batchSize, pageSize, random, now });
    this.running = null;
    this.followUp = null;
    this.attempt = 0;
    this.timer = null;
    this.setTimer = (fn, ms) => setTimeout(fn, ms);
    this.clearTimer = (t) => clearTimeout(t);
  }

  /**
   * Run one sync now. Asked while one is running, it runs once more right after it: that
   * sync's pull may have started before the office's change (or its push before an edit)
   * the caller wants to see. Every request made meanwhile shares that one follow-up.
   */
  sync(reason = "manual") {
    if (this.running) {
      this.followUp ??= this.running.then(() => {
        this.followUp = null;
        return this.sync(reason);
      });
      return this.followUp;
    }
    this.running = this._run(reason).finally(() => (this.running = null));
    return this.running;
  }

  async _run(reason) {
    this.emit("start", { reason });
    try {
      const pushed = await this.pushAll();
      const pulled = await this.pullAll();
      if (this.uploader) await this.uploader.uploadAll((p) => this.emit("progress", { phase: "upload", ...p }));
      this.attempt = 0;
      const at = new Date(this.now()).toISOString();
      await this.store.setMeta("last_sync_at", at);
      this.emit("done", { pushed, pulled, at });
      return { ok: true, pushed, pulled };
    } catch (err) {
      if (err.kind === "revoked") {
        this.stop();
        await this.store.wipe();
        this.emit("revoked", err);
        return { ok: false, revoked: true };
      }
      this.attempt += 1;
      const delay = backoffDelay(this.attempt, { random: this.random, retryAfterMs: err.retryAfterMs || 0 });
      this.schedule(delay);
      this.emit("error", { error: err, kind: err.kind || "network", retryInMs: delay });
      return { ok: false, error: err, retryInMs: delay };
    }
  }

  schedule(ms) {
    if (this.timer) this.clearTimer(this.timer);
    this.nextAt = this.now() + ms;
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.sync("timer");
    }, ms);
  }

  stop() {
    if (this.timer) this.clearTimer(this.timer);
    this.timer = null;
  }

  async _post(path, body) {
    let res;
    try {
      res = await this.post(path, body);
    } catch (e) {
      throw new SyncError("network", e?.message || "network error");
    }
    return classify(res, this.now());
  }

  /** Push the whole outbox in batches. Returns the number of mutations acknowledged. */
  async pushAll() {
    let acked = 0;
    let size = this.batchSize;
    let total = await this.store.countPending();
    for (let guard = 0; guard < 10_000; guard++) {
      const batch = await this.store.pendingMutations(size);
      if (batch.length === 0) break;
      this.emit("progress", { phase: "push", done: acked, total });
      const body = {
        protocol: PROTOCOL,
        client_id: this.clientId,
        mutations: batch.map(({ id, name, args, hlc, device_time }) => ({ id, name, args, hlc, device_time })),
        sent_at: new Date(this.now()).toISOString(),
      };
      let answer;
      try {
        answer = await this._post("/api/sync/push", body);
      } catch (err) {
        if (err.kind === "gap" && Number.isInteger(err.expected)) {
          await this.store.renumberFrom(err.expected);
          if (guard > 3) throw err;
          continue;
        }
        if (err.kind === "too_large" && size > 1) {
          size = Math.max(1, Math.floor(size / 2));
          continue;
        }
        if (err.kind === "foreign_client" && guard < 3) {
          await this.newClientId();
          continue;
        }
        throw err;
      }
      if (answer.clock) await this.store.setMeta("clock", answer.clock);
      const removed = await this.store.ackPush(answer);
      if (removed === 0) throw new SyncError("protocol", "push answer acknowledged nothing");
      acked += removed;
      total = Math.max(total, acked);
      this.emit("progress", { phase: "push", done: acked, total });
    }
    return acked;
  }

  /** A fresh client id (the server bound the old one to another device). */
  async newClientId() {
    const { uuid } = await import("./ids.js");
    this.clientId = uuid();
    await this.store.setMeta("client_id", this.clientId);
  }

  /**
   * Pull every page since the stored cursor. On reset: push the queue first, then pull
   * from null, replacing the local copy of server data (never the outbox).
   */
  async pullAll() {
    let pulled = 0;
    let resets = 0;
    for (let guard = 0; guard < 100_000; guard++) {
      const cursor = (await this.store.getMeta("cursor")) ?? null;
      const page = await this._post("/api/sync/pull", {
        protocol: PROTOCOL,
        client_id: this.clientId,
        cursor,
        limit: this.pageSize,
        sent_at: new Date(this.now()).toISOString(),
        pending: await this.store.countPending(), // shown to the admin, not used for sync
      });
      if (page.reset) {
        if (++resets > 2) throw new SyncError("protocol", "server keeps resetting the cursor");
        await this.pushAll();
        await this.store.beginReset();
        continue;
      }
      await this.store.applyPullPage(page);
      pulled += (page.records || []).length;
      this.emit("progress", { phase: "pull", done: pulled });
      if (!page.has_more) break;
      if (page.cursor === cursor) throw new SyncError("protocol", "pull cursor did not move");
    }
    if (await this.store.getMeta("resetting")) await this.store.finishReset();
    return pulled;
  }
}
