// The phone's outbox without a browser: what is temporary and what is final, the
// backoff, retry_after, one refused note never blocking the others, persistence
// through the injected storage, and edit / resend / discard of a refused note.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  FINAL, Outbox, SENT, TEMPORARY, backoffDelay, classify, cleanText, rateLimitDelay,
} from "../../static/js/outbox.js";
import { fakeClock, fullStorage, ids, memoryStorage, noteServer, settle } from "./helpers.mjs";

const KEY = "workshop:7:outbox";

function makeOutbox({ clock, storage = memoryStorage(), send, online = { value: true }, ...rest }) {
  const sent = [];
  const outbox = new Outbox({
    storage, key: KEY, send, now: clock.now, timers: clock.timers, random: () => 0.5,
    newId: ids(), canSend: () => online.value, onSent: (note, ack) => sent.push({ note, ack }),
    ...rest,
  });
  return { outbox, sent, storage, online };
}

describe("classify", () => {
  test("an ok ack is sent", () => {
    assert.equal(classify({ ok: true, note: {} }).kind, SENT);
  });

  test("no answer, a server failure and a rate limit are temporary", () => {
    assert.deepEqual(classify(undefined), { kind: TEMPORARY, code: "no_answer" });
    assert.deepEqual(classify(null), { kind: TEMPORARY, code: "no_answer" });
    assert.equal(classify({ ok: false, error: "server", message: "x" }).kind, TEMPORARY);
    const limited = classify({ ok: false, error: "rate_limited", message: "wait", retry_after: 12 });
    assert.equal(limited.kind, TEMPORARY);
    assert.equal(limited.retryAfterMs, 12_000);
  });

  test("refusals are final, with the server's reason; unknown codes too (never retried forever)", () => {
    for (const code of ["invalid", "not_allowed", "not_found", "something_new"]) {
      const verdict = classify({ ok: false, error: code, message: "La etapa está cerrada." });
      assert.deepEqual(verdict, { kind: FINAL, code, message: "La etapa está cerrada." });
    }
  });
});

describe("backoff", () => {
  test("doubles from the base up to the cap, with jitter between half and all of it", () => {
    const low = (attempt) => backoffDelay(attempt, { base: 1000, max: 30_000, random: () => 0 });
    const high = (attempt) => backoffDelay(attempt, { base: 1000, max: 30_000, random: () => 1 });
    assert.deepEqual([0, 1, 2, 3, 4].map(high), [1000, 2000, 4000, 8000, 16_000]);
    assert.deepEqual([0, 1, 2, 3, 4].map(low), [500, 1000, 2000, 4000, 8000]);
    assert.equal(high(20), 30_000);
    assert.equal(low(20), 15_000);
  });

  test("a rate limit waits at least what the server said", () => {
    const verdict = classify({ ok: false, error: "rate_limited", retry_after: 7 });
    assert.equal(rateLimitDelay(verdict, 0, { random: () => 0 }), 7000);
    assert.ok(rateLimitDelay(verdict, 0, { random: () => 0.99 }) < 7500);
    const noHint = classify({ ok: false, error: "rate_limited" });
    assert.equal(rateLimitDelay(noHint, 2, { base: 1000, random: () => 1 }), 4000);
  });
});

describe("cleanText", () => {
  test("removes NUL and control characters, keeps tab and newline, replaces lone surrogates", () => {
    assert.equal(cleanText(" Antes\u0000 medio\u001b\ud800 y\udc00 fin \u{1f600}\r\notra\tcosa "),
      "Antes medio\ufffd y\ufffd fin \u{1f600}\notra\tcosa");
    assert.equal(cleanText("a\rb"), "a\nb");
    assert.equal(cleanText("\u0000\u0007 "), "");
  });
});

describe("Outbox", () => {
  test("34 notes written offline all arrive once, across a 30-per-minute limit", async () => {
    const clock = fakeClock();
    const server = noteServer(clock, { limit: 30, windowMs: 60_000 });
    const { outbox, sent, storage, online } = makeOutbox({ clock, send: server.send, online: { value: false } });
    for (let i = 0; i < 34; i += 1) outbox.add({ text: `nota ${i}`, stage: 1 });
    await settle();
    assert.equal(server.calls.length, 0, "nothing is sent while offline");
    assert.equal(JSON.parse(storage.getItem(KEY)).length, 34);

    online.value = true;
    const start = clock.now();
    await outbox.reconnected();
    assert.equal(server.stored.size, 30);
    assert.equal(outbox.pending.length, 4, "the rest wait, they are not refused");
    assert.equal(outbox.unsent.length, 0);
    await clock.runAll();

    assert.equal(server.stored.size, 34);
    assert.deepEqual([...server.stored.values()], Array.from({ length: 34 }, (_, i) => `nota ${i}`));
    assert.equal(sent.length, 34);
    assert.equal(outbox.pending.length, 0);
    assert.deepEqual(JSON.parse(storage.getItem(KEY)), []);
    // It waited for the window to reset instead of hammering: one refusal only.
    const refusals = server.acks.filter((ack) => ack.error === "rate_limited");
    assert.equal(refusals.length, 1);
    const firstAfterPause = server.calls[31].at;
    assert.ok(firstAfterPause >= start + 60_000, `resent at +${firstAfterPause - start} ms`);
  });

  test("a final refusal keeps the note, with its reason, and the others still go", async () => {
    const clock = fakeClock();
    const server = noteServer(clock, {
      refuse: (note) => (note.text.includes("cerrada")
        ? { ok: false, error: "not_allowed", message: "La etapa está cerrada." } : null),
    });
    const { outbox, storage } = makeOutbox({ clock, send: server.send });
    outbox.add({ text: "primera", stage: 1 });
    outbox.add({ text: "etapa cerrada", stage: 1 });
    outbox.add({ text: "tercera", stage: 1 });
    await outbox.flush();
    await clock.runAll();
    assert.deepEqual([...server.stored.values()], ["primera", "tercera"]);
    assert.equal(outbox.pending.length, 0);
    assert.equal(outbox.unsent.length, 1);
    const [refused] = outbox.unsent;
    assert.equal(refused.text, "etapa cerrada");
    assert.equal(refused.code, "not_allowed");
    assert.equal(refused.reason, "La etapa está cerrada.");
    assert.equal(outbox.status(refused.client_id), "unsent");
    // Persisted: a reload finds it with its reason, and does not send it on its own.
    assert.equal(JSON.parse(storage.getItem(`${KEY}:unsent`))[0].reason, "La etapa está cerrada.");
    const calls = server.calls.length;
    const again = makeOutbox({ clock, storage, send: server.send }).outbox;
    assert.equal(again.unsent[0].reason, "La etapa está cerrada.");
    await again.flush();
    await clock.runAll();
    assert.equal(server.calls.length, calls, "a refused note is never retried by itself");
  });

  test("a note that keeps failing with a server error never blocks later notes", async () => {
    const clock = fakeClock();
    const server = noteServer(clock, {
      refuse: (note) => (note.text === "rota" ? { ok: false, error: "server", message: "oops" } : null),
    });
    const { outbox } = makeOutbox({ clock, send: server.send, maxServerFailures: 5 });
    outbox.add({ text: "rota", stage: 1 });
    outbox.add({ text: "sana", stage: 1 });
    await outbox.flush();
    assert.deepEqual([...server.stored.values()], ["sana"], "the later note went past the broken one");
    await clock.runAll();
    const attempts = server.calls.filter((call) => call.note.text === "rota").map((call) => call.at);
    assert.equal(attempts.length, 5, "retried a few times, not forever");
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]);
    assert.deepEqual(gaps, [750, 1500, 3000, 6000], "exponential backoff (random fixed at 0.5)");
    assert.equal(outbox.pending.length, 0);
    assert.equal(outbox.unsent[0].code, "server");
    assert.equal(outbox.unsent[0].text, "rota");
  });

  test("no answer keeps the note, waits, and a reconnection sends it at once", async () => {
    const clock = fakeClock();
    const server = noteServer(clock);
    let drop = true;
    const send = async (note) => {
      const ack = await server.send(note);
      if (drop) throw new Error("operation has timed out"); // stored, but the ack was lost
      return ack;
    };
    const { outbox, sent } = makeOutbox({ clock, send });
    outbox.add({ text: "una", stage: 1 });
    outbox.add({ text: "dos", stage: 1 });
    await outbox.flush();
    assert.equal(server.calls.length, 1, "the round stops: the connection is probably gone");
    assert.equal(outbox.pending.length, 2);
    assert.equal(outbox.waitingReason(outbox.pending[0].client_id), "no_answer");
    await clock.advance(400);
    assert.equal(server.calls.length, 1, "waits for the backoff");
    drop = false;
    await outbox.reconnected();
    assert.equal(outbox.pending.length, 0);
    assert.deepEqual([...server.stored.values()], ["una", "dos"], "stored once despite the resend");
    assert.equal(sent[0].ack.created, false);
  });

  test("edit, resend and discard a refused note", async () => {
    const clock = fakeClock();
    let locked = true;
    const server = noteServer(clock, {
      refuse: () => (locked ? { ok: false, error: "not_allowed", message: "Cerrada." } : null),
    });
    const { outbox, storage } = makeOutbox({ clock, send: server.send });
    const first = outbox.add({ text: "guardar", stage: 2, lane: "social" });
    outbox.add({ text: "descartar", stage: 2 });
    await outbox.flush();
    assert.equal(outbox.unsent.length, 2);

    assert.equal(outbox.edit(first.client_id, "  guardar mejor\u0000 "), outbox.unsent[0]);
    assert.equal(outbox.unsent[0].text, "guardar mejor");
    assert.equal(outbox.edit(first.client_id, "   "), null, "an empty edit is refused");

    locked = false;
    const resent = outbox.resend(first.client_id);
    assert.notEqual(resent.client_id, first.client_id, "a refused note gets a fresh client id");
    assert.equal(resent.lane, "social");
    await outbox.flush();
    assert.deepEqual([...server.stored.values()], ["guardar mejor"]);

    const other = outbox.unsent[0];
    assert.equal(outbox.discard(other.client_id), true);
    assert.equal(outbox.discard(other.client_id), false);
    assert.deepEqual(JSON.parse(storage.getItem(`${KEY}:unsent`)), []);
    assert.deepEqual(JSON.parse(storage.getItem(KEY)), []);
  });

  test("a note carries its stage's id to the server, also when resent", async () => {
    const clock = fakeClock();
    const payloads = [];
    let refuse = true;
    const send = async (payload) => {
      payloads.push(payload);
      return refuse ? { ok: false, error: "not_allowed", message: "Cerrada." } : { ok: true, note: { id: 1 } };
    };
    const { outbox } = makeOutbox({ clock, send });
    const note = outbox.add({ text: "idea", stage: 2, stageId: "works", lane: "social" });
    await outbox.flush();
    assert.equal(payloads[0].stage_id, "works", "the id finds the stage if stages moved meanwhile");
    assert.equal(payloads[0].stage, 2);
    refuse = false;
    outbox.resend(note.client_id);
    await outbox.flush();
    assert.equal(payloads.at(-1).stage_id, "works");
    outbox.add({ text: "sin id", stage: 1 });
    await outbox.flush();
    assert.equal(payloads.at(-1).stage_id, null, "a note queued without an id sends null");
  });

  test("a note refused after server failures keeps its client id when resent", async () => {
    const clock = fakeClock();
    let broken = true;
    const server = noteServer(clock, {
      refuse: () => (broken ? { ok: false, error: "server", message: "" } : null),
    });
    const { outbox } = makeOutbox({ clock, send: server.send, maxServerFailures: 2 });
    const note = outbox.add({ text: "quizá guardada", stage: 1 });
    await outbox.flush();
    await clock.runAll();
    assert.equal(outbox.unsent[0].code, "server");
    broken = false;
    assert.equal(outbox.resend(note.client_id).client_id, note.client_id);
    await outbox.flush();
    assert.equal(server.stored.get(note.client_id), "quizá guardada");
  });

  test("notes are persisted through the storage and survive a reload, old format included", async () => {
    const clock = fakeClock();
    const storage = memoryStorage();
    // What the previous version of the page kept: an array of notes.
    storage.setItem(KEY, JSON.stringify([
      { client_id: "0123456789abcdef", text: "de antes\u0000", stage: 1, lane: null },
      { text: "sin id", stage: 1 },
      "basura", null, { client_id: "x" },
    ]));
    storage.setItem(`${KEY}:unsent`, "{not json");
    const server = noteServer(clock);
    const { outbox } = makeOutbox({ clock, storage, send: server.send });
    assert.deepEqual(outbox.pending.map((n) => n.text), ["de antes", "sin id"]);
    assert.ok(outbox.pending[1].client_id.length >= 8);
    assert.deepEqual(outbox.unsent, []);
    await outbox.flush();
    assert.deepEqual([...server.stored.values()], ["de antes", "sin id"]);
  });

  test("a storage that refuses writes does not stop sending", async () => {
    const clock = fakeClock();
    const server = noteServer(clock);
    const { outbox } = makeOutbox({ clock, storage: fullStorage(), send: server.send });
    outbox.add({ text: "en memoria", stage: 1 });
    await outbox.flush();
    assert.deepEqual([...server.stored.values()], ["en memoria"]);
  });

  test("an empty note is not queued; text is cleaned before it is queued", () => {
    const clock = fakeClock();
    const { outbox } = makeOutbox({ clock, send: async () => ({ ok: true }), online: { value: false } });
    assert.equal(outbox.add({ text: " \u0000 ", stage: 1 }), null);
    assert.equal(outbox.add({ text: "hola\ud800", stage: 1 }).text, "hola\ufffd");
    assert.equal(outbox.pending.length, 1);
  });

  test("status follows a note from pending to sending to gone", async () => {
    const clock = fakeClock();
    let release;
    const send = () => new Promise((resolve) => { release = resolve; });
    const online = { value: false };
    const { outbox } = makeOutbox({ clock, send, online });
    const note = outbox.add({ text: "estado", stage: 1 });
    assert.equal(outbox.status(note.client_id), "pending");
    online.value = true;
    const flushing = outbox.flush();
    await settle();
    assert.equal(outbox.status(note.client_id), "sending");
    release({ ok: true, note: {} });
    await flushing;
    assert.equal(outbox.status(note.client_id), null);
  });
});
