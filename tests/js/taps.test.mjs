// Dot and rating taps: retried after temporary failures, counted once (the same
// client id on every retry), sent in the order tapped, a retract that got no answer
// checked before it is sent again, ratings of one item coalesced.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { TapQueue } from "../../static/js/outbox.js";
import { fakeClock, ids, memoryStorage, settle } from "./helpers.mjs";

/** A vote server with the real one's rules: a cast is stored once per client id. */
function voteServer(clock, { failures = [] } = {}) {
  const server = { dots: [], calls: [], ratings: new Map() };
  const script = [...failures]; // what to do with the next calls: "server", "drop", "drop-after"
  server.send = async (tap) => {
    server.calls.push({ at: clock.now(), event: tap.event, payload: { ...tap.payload } });
    const next = script.shift();
    if (next === "server") return { ok: false, error: "server", message: "" };
    if (next === "drop") throw new Error("operation has timed out");
    let ack;
    if (tap.event === "cast_dot") {
      const { target_id: target, client_id: clientId } = tap.payload;
      if (!server.dots.some((dot) => dot.clientId === clientId)) {
        if (server.dots.length >= 3) return { ok: false, error: "not_allowed", message: "No dots left." };
        server.dots.push({ target, clientId });
      }
      ack = { ok: true, vote: { mine: server.mine() } };
    } else if (tap.event === "retract_dot") {
      const index = server.dots.findLastIndex((dot) => dot.target === tap.payload.target_id);
      if (index < 0) return { ok: false, error: "not_found", message: "No dot here." };
      server.dots.splice(index, 1);
      ack = { ok: true, vote: { mine: server.mine() } };
    } else {
      server.ratings.set(tap.payload.target_id, [tap.payload.x, tap.payload.y]);
      ack = { ok: true, mine: Object.fromEntries(server.ratings) };
    }
    if (next === "drop-after") throw new Error("operation has timed out"); // applied, ack lost
    return ack;
  };
  server.mine = () => {
    const mine = {};
    for (const dot of server.dots) mine[dot.target] = (mine[dot.target] || 0) + 1;
    return mine;
  };
  return server;
}

function makeQueue(clock, server, extra = {}) {
  const done = [];
  const refused = [];
  const online = extra.online || { value: true };
  const queue = new TapQueue({
    storage: extra.storage || memoryStorage(), key: "workshop:7:taps", send: server.send,
    now: clock.now, timers: clock.timers, random: () => 0.5, newId: ids(),
    canSend: () => online.value, onDone: (tap, ack) => done.push({ tap, ack }),
    onRefused: (tap, verdict) => refused.push({ tap, verdict }), ...extra,
  });
  return { queue, done, refused, online };
}

describe("TapQueue", () => {
  test("a dot tapped while offline is counted once after reconnection", async () => {
    const clock = fakeClock();
    const server = voteServer(clock);
    const { queue, done, online } = makeQueue(clock, server, { online: { value: false } });
    queue.push("cast_dot", { target_id: 4, client_id: "dot-client-0001" });
    await settle();
    assert.equal(server.calls.length, 0);
    assert.equal(queue.waiting().length, 1);
    online.value = true;
    await queue.reconnected();
    assert.deepEqual(server.mine(), { 4: 1 });
    assert.equal(done.length, 1);
    assert.equal(queue.waiting().length, 0);
  });

  test("a cast whose ack was lost and one the server failed are retried with the same client id", async () => {
    const clock = fakeClock();
    const server = voteServer(clock, { failures: ["server", "drop-after"] });
    const { queue } = makeQueue(clock, server);
    queue.push("cast_dot", { target_id: 4, client_id: "dot-client-0002" });
    await queue.flush();
    assert.equal(server.calls.length, 1);
    await clock.runAll();
    assert.equal(server.calls.length, 3);
    assert.deepEqual(new Set(server.calls.map((call) => call.payload.client_id)), new Set(["dot-client-0002"]));
    assert.deepEqual(server.mine(), { 4: 1 }, "counted once");
    assert.ok(server.calls[1].at - server.calls[0].at >= 500, "waited before retrying");
  });

  test("taps go in the order tapped: a later tap waits behind a failing one", async () => {
    const clock = fakeClock();
    const server = voteServer(clock, { failures: ["server"] });
    const { queue } = makeQueue(clock, server);
    queue.push("cast_dot", { target_id: 4, client_id: "dot-client-0003" });
    queue.push("retract_dot", { target_id: 4 });
    await queue.flush();
    assert.deepEqual(server.calls.map((call) => call.event), ["cast_dot"]);
    await clock.runAll();
    assert.deepEqual(server.calls.map((call) => call.event), ["cast_dot", "cast_dot", "retract_dot"]);
    assert.deepEqual(server.mine(), {});
  });

  test("a retract that got no answer is checked before it is sent again", async () => {
    const clock = fakeClock();
    const server = voteServer(clock, { failures: ["drop-after"] });
    server.dots.push({ target: 4, clientId: "a" }, { target: 4, clientId: "b" });
    const asked = [];
    const { queue, done } = makeQueue(clock, server, {
      confirm: async (tap) => {
        asked.push(tap.meta.before);
        return (server.mine()[4] || 0) >= tap.meta.before; // still needed if nothing was taken
      },
    });
    queue.push("retract_dot", { target_id: 4 }, { meta: { before: 2 } });
    await queue.flush();
    assert.equal(queue.waiting()[0].uncertain, true);
    await queue.reconnected();
    assert.deepEqual(asked, [2]);
    assert.deepEqual(server.mine(), { 4: 1 }, "taken back once, not twice");
    assert.equal(done.length, 1);
    assert.equal(server.calls.length, 1);
  });

  test("a final refusal drops the tap, says why, and the next taps go on", async () => {
    const clock = fakeClock();
    const server = voteServer(clock);
    server.dots.push({ target: 1, clientId: "a" }, { target: 2, clientId: "b" }, { target: 3, clientId: "c" });
    const { queue, refused } = makeQueue(clock, server);
    queue.push("cast_dot", { target_id: 4, client_id: "dot-client-0004" });
    queue.push("retract_dot", { target_id: 1 });
    await queue.flush();
    assert.equal(refused.length, 1);
    assert.equal(refused[0].verdict.message, "No dots left.");
    assert.deepEqual(server.mine(), { 2: 1, 3: 1 });
    assert.equal(queue.waiting().length, 0);
  });

  test("a rating replaces an earlier one of the same item that has not gone out", async () => {
    const clock = fakeClock();
    const server = voteServer(clock);
    const { queue, online } = makeQueue(clock, server, { online: { value: false } });
    queue.push("rate", { target_id: 9, x: 1, y: 2 }, { key: "rate:9" });
    queue.push("rate", { target_id: 8, x: 3, y: 3 }, { key: "rate:8" });
    queue.push("rate", { target_id: 9, x: 5, y: 4 }, { key: "rate:9" });
    assert.equal(queue.waiting().length, 2);
    online.value = true;
    await queue.reconnected();
    assert.equal(server.calls.length, 2);
    assert.deepEqual(Object.fromEntries(server.ratings), { 9: [5, 4], 8: [3, 3] });
  });

  test("taps are kept through a reload", async () => {
    const clock = fakeClock();
    const storage = memoryStorage();
    const server = voteServer(clock);
    const first = makeQueue(clock, server, { storage, online: { value: false } });
    first.queue.push("cast_dot", { target_id: 4, client_id: "dot-client-0005" });
    const second = makeQueue(clock, server, { storage });
    assert.equal(second.queue.waiting().length, 1);
    await second.queue.flush();
    assert.deepEqual(server.mine(), { 4: 1 });
    assert.deepEqual(JSON.parse(storage.getItem("workshop:7:taps")), []);
  });
});
