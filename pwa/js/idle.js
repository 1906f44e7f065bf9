// Locks the app after the idle time the server set (FIELD_LOCK_IDLE_SECONDS, default 10
// minutes; kept on the tablet so it also applies offline). Any touch or key counts.
const EVENTS = ["pointerdown", "keydown", "input", "wheel", "touchstart", "scroll"];
const DEFAULT_SECONDS = 600;

let last = Date.now();
let limitMs = DEFAULT_SECONDS * 1000;

export function noteActivity() {
  last = Date.now();
}

export function setIdleSeconds(seconds) {
  limitMs = (Number(seconds) > 0 ? Number(seconds) : DEFAULT_SECONDS) * 1000;
}

/** Call `onIdle()` whenever `isActive()` and nothing happened for the idle time. */
export function watchIdle(isActive, onIdle) {
  for (const e of EVENTS) window.addEventListener(e, noteActivity, { capture: true, passive: true });
  // A sleeping tablet runs no timers; the first tick after waking sees the whole gap.
  setInterval(() => {
    if (isActive() && Date.now() - last >= limitMs) {
      noteActivity();
      onIdle();
    }
  }, 1000);
}
