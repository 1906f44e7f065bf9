// Pure rules about local records: which fields have unsynced edits, how a pulled server
// record is laid under them, and the per-record state shown to the officer.

export const STATES = ["draft", "waiting", "sent", "failed", "conflict", "correction"];

// Server workflow statuses (docs/sync-protocol.md).
export const CORRECTION_STATUSES = new Set(["perlu_perbaikan"]);
/** Statuses in which the server accepts edits and attachments from the device. */
export const EDITABLE_STATUSES = new Set(["draf", "diterima", "perlu_perbaikan"]);
/** Statuses from which the device may ask to cancel. */
export const CANCELLABLE_STATUSES = new Set(["draf", "diterima", "verifikasi", "perlu_perbaikan", "diproses", "pemeriksaan_lapangan"]);

/** Office notes per field: {field: note} (older shapes: [{field, note}]). */
export function correctionNotes(corrections) {
  if (!corrections) return [];
  if (Array.isArray(corrections)) return corrections.map((c) => [c.field, c.note ?? c.message ?? ""]);
  return Object.entries(corrections);
}

/** Field names touched by a record's unacknowledged mutations. */
export function pendingFieldNames(mutations) {
  const names = new Set();
  for (const m of mutations) {
    if (m.name === "create_application") for (const k of Object.keys(m.args.fields || {})) names.add(k);
    else if (m.name === "update_fields") for (const k of Object.keys(m.args.changes || {})) names.add(k);
  }
  return names;
}

/**
 * Lay a pulled server record under the local one. Local pending edits stay on top;
 * every other field takes the server's value.
 */
export function mergePulled(local, server, pendingMutations) {
  const pending = pendingFieldNames(pendingMutations);
  const kept = {};
  if (local) for (const k of pending) if (k in local.fields) kept[k] = local.fields[k];
  const base = local ?? {
    id: server.id,
    draft: false,
    created: true,
    failure: null,
    created_at: null,
  };
  return {
    ...base,
    permit_type: server.permit_type ?? base.permit_type,
    form_version: server.form_version ?? base.form_version,
    tracking_code: server.tracking_code ?? base.tracking_code,
    // The token this tablet printed stays; a re-enrolled tablet takes the server's reprint token.
    status_token: base.status_token || server.status_token || "",
    fields: { ...(server.fields || {}), ...kept },
    server: {
      version: server.version,
      status: server.status,
      fields: server.fields || {},
      corrections: server.corrections || {},
      files: server.files || [],
    },
  };
}

/** Per-record state: draft, failed, conflict, waiting, correction, sent. */
export function recordState(record, { pending = 0, uploads = 0, conflicts = 0 } = {}) {
  if (record.draft) return "draft";
  if (record.failure) return "failed";
  if (conflicts > 0) return "conflict";
  if (pending > 0 || uploads > 0) return "waiting";
  const s = record.server;
  if (s && CORRECTION_STATUSES.has(s.status)) return "correction";
  if (!s) return "waiting";
  return "sent";
}

/** Changes between two field maps, as update_fields wants them ({field: {base, value}}). */
export function diffFields(before, after) {
  const changes = {};
  const keys = new Set([...Object.keys(before || {}), ...Object.keys(after || {})]);
  for (const k of keys) {
    const a = before?.[k] ?? null;
    const b = after?.[k] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[k] = { base: a, value: b };
  }
  return changes;
}

/** The photo-like values (photo, signature) of a field map: {sha256, kind, ...}. */
export function fileValues(fields) {
  const out = [];
  for (const v of Object.values(fields || {})) {
    if (v && typeof v === "object" && typeof v.sha256 === "string" && v.kind) out.push(v);
  }
  return out;
}
