// What the phone keeps until the server has it: notes (the outbox) and taps (dots
// and ratings), and the revision check that keeps an older state from replacing a
// newer one. Pure: no DOM, no socket, no localStorage. The page injects how to
// send, where to keep things (anything with getItem/setItem) and the clock, so
// `node --test tests/js/` runs all of it.
//
// A server answer (ack) is one of:
//   sent       {ok: true, ...}
//   temporary  no answer (timeout, lost connection), {error: "server"} (an
//              unexpected failure, rolled back), {error: "rate_limited",
//              retry_after}: tried again later with exponential backoff and jitter
//   final      any other error ("invalid", "not_allowed", "not_found" …): a note
//              moves to the "not sent" list with the reason, for its author to edit,
//              resend or discard; it is never dropped and never retried on its own.

export const SENT = "sent";
export const TEMPORARY = "temporary";
export const FINAL = "final";

/** What to do with a server answer; `ack` is null or undefined when none came. */
export function classify(ack) {
  if (!ack || typeof ack !== "object") return { kind: TEMPORARY, code: "no_answer" };
  if (ack.ok === true) return { kind: SENT };
  const message = typeof ack.message === "string" ? ack.message : "";
  if (ack.error === "rate_limited") {
    const seconds = Number(ack.retry_after);
    return {
      kind: TEMPORARY, code: "rate_limited", message,
      retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0,
    };
  }
  if (ack.error === "server") return { kind: TEMPORARY, code: "server", message };
  return { kind: FINAL, code: typeof ack.error === "string" ? ack.error : "error", message };
}

/**
 * Milliseconds to wait before attempt number `attempt` + 1 (0 for the first retry):
 * doubling from `base` up to `max`, each wait drawn between half and all of it so
 * thirty phones that lost the same Wi-Fi do not come back in the same instant.
 */
export function backoffDelay(attempt, { base = 1000, max = 30000, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** How long to wait after a rate limit: at least what the server said, plus a little jitter. */
export function rateLimitDelay(verdict, attempt, options = {}) {
  const random = options.random || Math.random;
  if (verdict.retryAfterMs > 0) return verdict.retryAfterMs + Math.round(random() * 500);
  return backoffDelay(attempt, options);
}

// NUL and the other C0 control characters except tab and newline (the server
// removes them too: a database cannot store NUL, and they are invisible).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g; // eslint-disable-line no-control-regex
// Half of a UTF-16 surrogate pair without its other half.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text as the server will store it: line ends unified, controls removed, lone surrogates replaced. */
export function cleanText(text) {
  return String(text)
    .replace(/\r\n?/g, "\n")
    .replace(CONTROL, "")
    .replace(LONE_SURROGATE, "\ufffd")
    .trim();
}

function read(storage, key, fallback) {
  try {
    const value = JSON.parse(storage.getItem(key));
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

function write(storage, key, value) {
  try {
    storage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // storage full or blocked: the queue still lives in memory
  }
}

/**
 * Common machinery of the two queues: entries wait for their turn, are sent one
 * at a time, and a temporary failure sets when the entry may be tried again.
 */
class RetryQueue {
  constructor(options) {
    this.storage = options.storage;
    this.key = options.key;
    this.now = options.now || Date.now;
    this.random = options.random || Math.random;
    this.send = options.send;
    this.canSend = options.canSend || (() => true);
    this.onChange = options.onChange || (() => {});
    this.delays = { base: options.baseDelay ?? 1000, max: options.maxDelay ?? 30000, random: this.random };
    this.maxServerFailures = options.maxServerFailures ?? 6;
    this.retry = new Map(); // id → {attempts, serverFailures, notBefore, code}
    this.pausedUntil = 0; // a rate limit or a lost connection holds every entry back
    this.pauseCode = null;
    this.pauses = 0;
    this.inFlight = null;
    this.flushing = null;
    this.again = false;
    this.timers = options.timers || {
      set: (fn, ms) => setTimeout(fn, ms),
      clear: (id) => clearTimeout(id),
    };
    this.timer = null;
  }

  retryState(id) {
    let state = this.retry.get(id);
    if (!state) {
      state = { attempts: 0, serverFailures: 0, notBefore: 0, code: null };
      this.retry.set(id, state);
    }
    return state;
  }

  /** The connection is back: whatever waited for it may go at once (a rate limit still holds). */
  reconnected() {
    for (const state of this.retry.values()) state.notBefore = 0;
    if (this.pauseCode === "no_answer") this.pausedUntil = 0;
    return this.flush();
  }

  /** When the next attempt is due (ms since epoch), or null when nothing waits. */
  nextAttemptAt() {
    const entries = this.mayPassOver() ? this.entries() : this.entries().slice(0, 1);
    if (!entries.length) return null;
    let soonest = Infinity;
    for (const entry of entries) {
      soonest = Math.min(soonest, this.retry.get(this.idOf(entry))?.notBefore ?? 0);
    }
    return Math.max(soonest, this.pausedUntil);
  }

  /** Wake up when the next attempt is due; while offline, `reconnected()` does that. */
  schedule() {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    const at = this.nextAttemptAt();
    if (at === null || !this.canSend()) return;
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.flush();
    }, Math.max(0, at - this.now()));
  }

  /** Why an entry is still waiting: null (not tried yet), "no_answer", "rate_limited" or "server". */
  waitingReason(id) {
    if (this.pausedUntil > this.now()) return this.pauseCode;
    return this.retry.get(id)?.code ?? null;
  }

  /** Send what is due, one at a time. Calls made while a round runs join that round. */
  flush() {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again);
      } finally {
        this.flushing = null;
        this.schedule();
        this.onChange();
      }
    })();
    return this.flushing;
  }

  async round() {
    for (;;) {
      if (!this.canSend() || this.now() < this.pausedUntil) return;
      const entry = this.due();
      if (!entry) return;
      const id = this.idOf(entry);
      this.inFlight = id;
      this.onChange();
      let ack = null;
      try {
        ack = await this.deliver(entry);
      } catch {
        ack = null;
      }
      this.inFlight = null;
      const verdict = classify(ack);
      if (verdict.kind === SENT) {
        this.retry.delete(id);
        this.pauses = 0;
        this.settled(entry, ack);
      } else if (verdict.kind === FINAL) {
        this.retry.delete(id);
        this.refused(entry, verdict);
      } else if (!this.postpone(entry, verdict)) {
        return;
      }
    }
  }

  /** A temporary failure; returns whether the round may go on with other entries. */
  postpone(entry, verdict) {
    if (verdict.code !== "server") {
      // A rate limit is per person, and no answer means the connection is probably
      // gone: either way every entry waits, not only this one.
      const delay = verdict.code === "rate_limited"
        ? rateLimitDelay(verdict, this.pauses, this.delays)
        : backoffDelay(this.pauses, this.delays);
      this.pausedUntil = this.now() + delay;
      this.pauseCode = verdict.code;
      this.pauses += 1;
      return false;
    }
    const id = this.idOf(entry);
    const state = this.retryState(id);
    state.code = verdict.code;
    state.notBefore = this.now() + backoffDelay(state.attempts, this.delays);
    state.attempts += 1;
    state.serverFailures += 1;
    if (state.serverFailures >= this.maxServerFailures) {
      // Never retried forever: after a few failures it is handed back to its author.
      this.retry.delete(id);
      this.refused(entry, { kind: FINAL, code: "server", message: verdict.message });
    }
    return this.mayPassOver();
  }

  due() {
    const now = this.now();
    for (const entry of this.entries()) {
      const state = this.retry.get(this.idOf(entry));
      if (!state || state.notBefore <= now) return entry;
      if (!this.mayPassOver()) return null;
    }
    return null;
  }
}

/**
 * Notes waiting to be stored. `pending` are sent in the order written; one that
 * keeps failing is passed over, never blocking the others. `unsent` are notes the
 * server refused for good, kept with the reason until their author acts.
 *
 * options: storage, key (pending notes; the refused ones live under key + ":unsent"),
 * send(note) → Promise<ack>, canSend() → bool, newId() → string, now(), random(),
 * onSent(note, ack), onChange(), baseDelay, maxDelay, maxServerFailures.
 */
export class Outbox extends RetryQueue {
  constructor(options) {
    super(options);
    this.newId = options.newId;
    this.onSent = options.onSent || (() => {});
    this.unsentKey = `${this.key}:unsent`;
    this.pending = this.load(this.key, (note) => ({ ...note }));
    this.unsent = this.load(this.unsentKey, (note) => ({
      ...note, code: String(note.code || "error"), reason: String(note.reason || ""),
    }));
  }

  load(key, shape) {
    const stored = read(this.storage, key, []);
    if (!Array.isArray(stored)) return [];
    // Whatever a person typed is kept, even from an older version of this page.
    return stored.filter((note) => note && typeof note.text === "string").map((note) => shape({
      ...note,
      client_id: typeof note.client_id === "string" && note.client_id ? note.client_id : this.newId(),
      text: cleanText(note.text) || note.text,
    }));
  }

  save() {
    write(this.storage, this.key, this.pending);
    write(this.storage, this.unsentKey, this.unsent);
    this.onChange();
  }

  entries() {
    return this.pending;
  }

  idOf(note) {
    return note.client_id;
  }

  mayPassOver() {
    return true;
  }

  deliver(note) {
    const { client_id, text, stage, stage_id, lane } = note;
    // The stage's id finds it again if the facilitator moved stages while the note waited;
    // notes queued before ids were sent carry only the position.
    return this.send({ client_id, text, stage, stage_id: stage_id ?? null, lane: lane ?? null });
  }

  /** Queue a note; returns it, or null when nothing is left once cleaned. */
  add({ text, stage, stageId = null, lane = null }) {
    const cleaned = cleanText(text);
    if (!cleaned) return null;
    const note = { client_id: this.newId(), text: cleaned, stage, stage_id: stageId, lane };
    this.pending.push(note);
    this.save();
    this.flush();
    return note;
  }

  settled(note, ack) {
    this.pending = this.pending.filter((n) => n.client_id !== note.client_id);
    this.save();
    this.onSent(note, ack);
  }

  refused(note, verdict) {
    this.pending = this.pending.filter((n) => n.client_id !== note.client_id);
    this.unsent.push({ ...note, code: verdict.code, reason: verdict.message });
    this.save();
  }

  /** Where a note stands: "sending", "pending", "unsent", or null when not here. */
  status(clientId) {
    if (this.inFlight === clientId) return "sending";
    if (this.pending.some((n) => n.client_id === clientId)) return "pending";
    if (this.unsent.some((n) => n.client_id === clientId)) return "unsent";
    return null;
  }

  /** Change the text of a refused note (it stays "not sent" until resent). */
  edit(clientId, text) {
    const note = this.unsent.find((n) => n.client_id === clientId);
    const cleaned = cleanText(text);
    if (!note || !cleaned) return null;
    note.text = cleaned;
    this.save();
    return note;
  }

  /**
   * Put a refused note back in the queue, with new text if given. It keeps its
   * client id only when the server may have stored it after all (a server failure),
   * so the resend cannot store it twice; otherwise it gets a fresh one.
   */
  resend(clientId, text) {
    const index = this.unsent.findIndex((n) => n.client_id === clientId);
    if (index < 0) return null;
    const refused = this.unsent[index];
    const cleaned = text === undefined ? refused.text : cleanText(text);
    if (!cleaned) return null;
    this.unsent.splice(index, 1);
    const again = {
      client_id: refused.code === "server" ? refused.client_id : this.newId(),
      text: cleaned, stage: refused.stage, stage_id: refused.stage_id ?? null, lane: refused.lane ?? null,
    };
    this.retry.delete(again.client_id);
    this.pending.push(again);
    this.save();
    this.flush();
    return again;
  }

  /** Forget a refused note: the one way a note leaves the phone without being stored. */
  discard(clientId) {
    const before = this.unsent.length;
    this.unsent = this.unsent.filter((n) => n.client_id !== clientId);
    if (this.unsent.length === before) return false;
    this.save();
    return true;
  }
}

/**
 * Dot and rating taps waiting for the server, sent strictly in the order tapped
 * (a dot cast before it is taken back). A cast keeps its client id on every retry,
 * so the server counts it once; a rating replaces an earlier one for the same item
 * that has not gone out yet. A retract that got no answer may have been applied:
 * before it is sent again, `confirm(tap)` (from the server's state) says whether it
 * is still needed. A final refusal drops the tap and calls `onRefused(tap, verdict)`.
 *
 * options: storage, key, send(tap) → Promise<ack>, canSend(), confirm(tap) →
 * Promise<bool>, onDone(tap, ack), onRefused(tap, verdict), onChange(), now(), random(),
 * newId(), baseDelay, maxDelay, maxServerFailures.
 */
export class TapQueue extends RetryQueue {
  constructor(options) {
    super(options);
    this.newId = options.newId;
    this.confirm = options.confirm || (async () => true);
    this.onDone = options.onDone || (() => {});
    this.onRefused = options.onRefused || (() => {});
    const stored = this.key ? read(this.storage, this.key, []) : [];
    this.taps = Array.isArray(stored)
      ? stored.filter((tap) => tap && typeof tap.event === "string" && tap.payload && tap.id)
      : [];
    for (const tap of this.taps) if (tap.uncertain) this.retryState(tap.id);
  }

  save() {
    if (this.key) write(this.storage, this.key, this.taps);
    this.onChange();
  }

  entries() {
    return this.taps;
  }

  idOf(tap) {
    return tap.id;
  }

  mayPassOver() {
    return false;
  }

  /**
   * Queue a tap. `key` makes a later tap replace a waiting one (ratings of one item);
   * `meta` is kept beside the payload for the page (never sent).
   */
  push(event, payload, { key = null, meta = {} } = {}) {
    if (key) {
      const waiting = this.taps.find((tap) => tap.key === key && tap.id !== this.inFlight);
      if (waiting) {
        waiting.payload = payload;
        waiting.meta = meta;
        this.save();
        this.flush();
        return waiting;
      }
    }
    const tap = { id: this.newId(), event, payload, key, meta, uncertain: false };
    this.taps.push(tap);
    this.save();
    this.flush();
    return tap;
  }

  async deliver(tap) {
    if (tap.uncertain) {
      const needed = await this.confirm(tap);
      if (!needed) return { ok: true, confirmed: true };
    }
    return this.send(tap);
  }

  postpone(tap, verdict) {
    if (verdict.code === "no_answer" && tap.event === "retract_dot") {
      tap.uncertain = true;
      this.save();
    }
    return super.postpone(tap, verdict);
  }

  settled(tap, ack) {
    this.taps = this.taps.filter((t) => t.id !== tap.id);
    this.save();
    this.onDone(tap, ack);
  }

  refused(tap, verdict) {
    this.taps = this.taps.filter((t) => t.id !== tap.id);
    this.save();
    this.onRefused(tap, verdict);
  }

  /** Taps not yet confirmed by the server, in order. */
  waiting() {
    return [...this.taps];
  }
}

// Revisions: every change bumps the workshop's revision, and every state and
// change event carries it. Broadcasts sent from different server threads can
// arrive out of order, so a page never lets an older state replace a newer one.

/** True when `next` is an older state than the one shown (same object: never stale). */
export function isStale(current, next) {
  return Boolean(current && next !== current && next.revision < current.revision);
}

/**
 * Remember the revision a change event carried, so a full state built before that
 * change (and delivered after it) is recognised as older and ignored.
 */
export function seen(state, payload) {
  if (state && payload && payload.revision > state.revision) state.revision = payload.revision;
}

/**
 * A change of the groups (`clusters_changed`) applied to the state shown, unless the state
 * is already newer. Returns whether it was applied (then the page redraws its board).
 */
export function takeClusters(state, payload) {
  if (!state || !payload || payload.revision < state.revision) return false;
  state.clusters = payload.clusters;
  state.revision = payload.revision;
  return true;
}
