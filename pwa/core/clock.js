// Dates and times in the office's time zone (the server sends it; Asia/Makassar until then),
// whatever zone the tablet's own clock is set to.
export const DEFAULT_TIME_ZONE = "Asia/Makassar";
const LABELS = {
  "Asia/Jakarta": "WIB",
  "Asia/Pontianak": "WIB",
  "Asia/Makassar": "WITA",
  "Asia/Jayapura": "WIT",
};

export function isTimeZone(name) {
  if (typeof name !== "string" || !name) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// One formatter per zone and purpose, made once: building an Intl.DateTimeFormat costs far
// more than using it, and each one holds an ICU object that the garbage collector must free
// later (a list of 500 records used to build 500 of them per drawing).
const formatters = new Map();
function formatter(kind, timeZone, options) {
  const id = `${kind} ${timeZone}`;
  let f = formatters.get(id);
  if (!f) formatters.set(id, (f = new Intl.DateTimeFormat(kind === "offset" ? "en" : "en-CA", { timeZone, ...options })));
  return f;
}

/** "WITA" for Asia/Makassar; other zones by their UTC offset, e.g. "UTC+7". */
export function zoneLabel(timeZone, at = new Date()) {
  if (LABELS[timeZone]) return LABELS[timeZone];
  const part = formatter("offset", timeZone, { timeZoneName: "shortOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  return (part?.value || "UTC").replace("GMT", "UTC");
}

/** {date: "2026-12-03", time: "12.05"} for an instant, in the given zone. */
export function localParts(instant, timeZone = DEFAULT_TIME_ZONE) {
  const parts = {};
  const format = formatter("parts", timeZone, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const p of format.formatToParts(new Date(instant))) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}.${parts.minute}` };
}

export function todayIn(timeZone = DEFAULT_TIME_ZONE, now = Date.now()) {
  return localParts(now, timeZone).date;
}
