// A small in-memory server speaking the sync protocol, for the engine tests. It follows
// docs/sync-protocol.md closely enough to exercise the client: per-client last_mutation_id,
// replayed results, per-field merge against the base, change sequence cursor.
export class FakeServer {
  constructor() {
    this.seq = 0;
    this.records = new Map(); // id -> {record, seq}
    this.clients = new Map(); // client_id -> {last, results: Map}
    this.conflicts = [];
    this.tombstones = new Map();
    this.pushCalls = 0;
    this.pullCalls = 0;
    this.failNext = null; // {status, body, headers}
    this.dropAnswerOnce = false;
    this.revoked = false;
  }

  staffEdit(id, changes, status) {
    const r = this.records.get(id).record;
    Object.assign(r.fields, changes);
    if (status) r.status = status;
    r.version += 1;
    this.records.get(id).seq = ++this.seq;
  }

  handle(path, body) {
    if (this.revoked) return { status: 401, body: { error: "device_revoked", message: "revoked" } };
    if (this.failNext) {
      const f = this.failNext;
      this.failNext = null;
      return { status: f.status, body: f.body, headers: new Map(Object.entries(f.headers || {})) };
    }
    return path === "/api/sync/push" ? this.push(body) : this.pull(body);
  }

  push(body) {
    this.pushCalls++;
    const c = this.clients.get(body.client_id) ?? { last: 0, results: new Map() };
    this.clients.set(body.client_id, c);
    const results = [];
    for (const m of body.mutations) {
      if (m.id <= c.last) {
        results.push(c.results.get(m.id));
        continue;
      }
      if (m.id !== c.last + 1)
        return { status: 409, body: { error: "mutation_gap", expected: c.last + 1, message: "gap" } };
      const r = { id: m.id, ...this.apply(m, body.client_id) };
      c.results.set(m.id, r);
      c.last = m.id;
      results.push(r);
    }
    return { status: 200, body: { last_mutation_id: c.last, results } };
  }

  apply(m, clientId) {
    const a = m.args;
    const entry = this.records.get(a.record_id);
    const touch = () => (entry.seq = ++this.seq);
    switch (m.name) {
      case "create_application": {
        if (entry) return { status: "rejected", reason: "record_exists" };
        const wrong = Object.keys(a.fields).filter((name) => this.refusedFields?.[name]);
        if (wrong.length) {
          const fields = Object.fromEntries(wrong.map((name) => [name, [this.refusedFields[name]]]));
          return { status: "rejected", reason: "invalid_fields", message: `Fix these fields: ${wrong}`, fields };
        }
        for (const e of this.records.values()) {
          if (e.record.tracking_code === a.tracking_code) return { status: "rejected", reason: "tracking_code_taken" };
        }
        this.records.set(a.record_id, {
          seq: ++this.seq,
          record: {
            id: a.record_id,
            version: 1,
            permit_type: a.permit_type,
            form_version: a.form_version,
            tracking_code: a.tracking_code,
            status: "draf",
            fields: { ...a.fields },
            corrections: [],
            files: [],
          },
        });
        return { status: "applied" };
      }
      case "update_fields": {
        if (!entry) return { status: "rejected", reason: "not_found" };
        const conflicts = [];
        for (const [f, { base, value }] of Object.entries(a.changes)) {
          const cur = entry.record.fields[f] ?? null;
          if (JSON.stringify(cur) === JSON.stringify(base) || JSON.stringify(cur) === JSON.stringify(value)) {
            entry.record.fields[f] = value;
          } else {
            const c = {
              id: `c${this.conflicts.length + 1}`,
              record_id: a.record_id,
              field: f,
              base,
              device_value: value,
              server_value: cur,
              status: "open",
              resolution: null,
              client_id: clientId,
            };
            this.conflicts.push(c);
            const { client_id: _omit, ...shown } = c;
            conflicts.push({ ...shown, mutation_id: null });
          }
        }
        entry.record.version += 1;
        touch();
        return conflicts.length ? { status: "conflict", conflicts } : { status: "applied" };
      }
      case "submit_application":
      case "resubmit_application":
        if (!entry) return { status: "rejected", reason: "not_found" };
        entry.record.status = m.name === "submit_application" ? "diterima" : "verifikasi";
        entry.record.corrections = [];
        touch();
        return { status: "applied" };
      case "attach_file":
        if (!entry) return { status: "rejected", reason: "not_found" };
        entry.record.files.push({ sha256: a.sha256, kind: a.kind, arrived: false });
        touch();
        return { status: "applied" };
      case "cancel_application":
        if (!entry) return { status: "rejected", reason: "not_found" };
        if (entry.record.status === "disetujui")
          return { status: "rejected", reason: "invalid_transition", message: "Sudah disetujui." };
        entry.record.status = "dibatalkan";
        touch();
        return { status: "applied" };
      default:
        return { status: "rejected", reason: "invalid_mutation" };
    }
  }

  pull(body) {
    this.pullCalls++;
    const since = body.cursor === null ? 0 : Number(body.cursor);
    if (!Number.isInteger(since)) return { status: 200, body: { reset: true } };
    const changed = [...this.records.values()].filter((e) => e.seq > since).sort((a, b) => a.seq - b.seq);
    const page = changed.slice(0, body.limit);
    const cursor = page.length ? page[page.length - 1].seq : since;
    const c = this.clients.get(body.client_id);
    return {
      status: 200,
      body: {
        reset: false,
        cursor: String(cursor),
        has_more: changed.length > page.length,
        last_mutation_id: c ? c.last : 0,
        records: page.map((e) => structuredClone(e.record)),
        tombstones: [],
        conflicts: this.conflicts.filter((x) => x.client_id === body.client_id).map(({ client_id, ...x }) => x),
      },
    };
  }

  /** A transport the engine can use; `dropAnswerOnce` loses one answer after applying it. */
  transport() {
    return async (path, body) => {
      const res = this.handle(path, JSON.parse(JSON.stringify(body)));
      if (this.dropAnswerOnce && path === "/api/sync/push") {
        this.dropAnswerOnce = false;
        throw new TypeError("Failed to fetch");
      }
      return { headers: new Map(), ...res };
    };
  }
}
