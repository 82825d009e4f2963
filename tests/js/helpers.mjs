// Test doubles for the pure outbox module: a clock whose time the test moves, timers
// on that clock, an in-memory storage with localStorage's interface, and a small
// note server with the real server's rules (idempotent client ids, a rate limit per
// window that answers rate_limited with retry_after, refusals by code).

export function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  let timers = [];
  const clock = {
    now: () => now,
    timers: {
      set(fn, ms) {
        const timer = { fn, at: now + ms };
        timers.push(timer);
        return timer;
      },
      clear(timer) {
        timers = timers.filter((t) => t !== timer);
      },
    },
    /** Move time forward, firing due timers in order and letting promises settle. */
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        await settle();
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = Math.max(now, due.at);
        due.fn();
      }
      now = end;
      await settle();
    },
    /** Run timers until none is left (or `limit` ms have passed). */
    async runAll(limit = 3_600_000) {
      const end = now + limit;
      for (;;) {
        await settle();
        if (!timers.length || now >= end) return;
        const next = Math.min(...timers.map((t) => t.at));
        await clock.advance(Math.max(0, next - now));
      }
    },
    pendingTimers: () => timers.length,
  };
  return clock;
}

/** Let every queued promise callback run. */
export async function settle() {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

export function memoryStorage() {
  const map = new Map();
  return {
    map,
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem: (key, value) => map.set(key, String(value)),
    removeItem: (key) => map.delete(key),
  };
}

/** A storage that refuses every write, like a full or blocked localStorage. */
export function fullStorage() {
  return {
    getItem: () => null,
    setItem: () => {
      throw new Error("QuotaExceededError");
    },
  };
}

let counter = 0;
export function ids() {
  counter += 1;
  const prefix = `id${counter}x`;
  let n = 0;
  return () => {
    n += 1;
    return `${prefix}${String(n).padStart(6, "0")}`;
  };
}

/**
 * A note server: stores each client id once, allows `limit` notes per `windowMs`
 * (a fixed window starting at the first note), refuses with `refuse(note)` when it
 * returns an ack. Records every call.
 */
export function noteServer(clock, { limit = 30, windowMs = 60_000, refuse = () => null } = {}) {
  const server = { stored: new Map(), calls: [], acks: [], windowStart: null, count: 0 };
  server.send = async (note) => {
    server.calls.push({ at: clock.now(), note: { ...note } });
    const now = clock.now();
    if (server.windowStart === null || now >= server.windowStart + windowMs) {
      server.windowStart = now;
      server.count = 0;
    }
    server.count += 1;
    let ack;
    if (server.count > limit) {
      const retryAfter = Math.ceil((server.windowStart + windowMs - now) / 1000);
      ack = { ok: false, error: "rate_limited", message: "Too many", retry_after: retryAfter };
    } else {
      ack = refuse(note);
      if (!ack) {
        const created = !server.stored.has(note.client_id);
        if (created) server.stored.set(note.client_id, note.text);
        ack = { ok: true, created, note: { ...note, id: server.stored.size } };
      }
    }
    server.acks.push(ack);
    return ack;
  };
  return server;
}
