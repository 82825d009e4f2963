// States and change events carry the workshop's revision; a page never lets an
// older state (built before a change it already showed) replace a newer one.
import assert from "node:assert/strict";
import { test } from "node:test";

import { isStale, seen, takeClusters } from "../../static/js/outbox.js";

test("an older state is stale, a newer or equal one is not", () => {
  const shown = { revision: 10 };
  assert.equal(isStale(shown, { revision: 9 }), true);
  assert.equal(isStale(shown, { revision: 10 }), false);
  assert.equal(isStale(shown, { revision: 11 }), false);
});

test("the state shown is never stale against itself, and nothing shown yet accepts anything", () => {
  const shown = { revision: 10 };
  assert.equal(isStale(shown, shown), false);
  assert.equal(isStale(null, { revision: 1 }), false);
  assert.equal(isStale(undefined, { revision: 1 }), false);
});

test("a change event moves the revision forward, so a state built before it is stale", () => {
  const shown = { revision: 10 };
  seen(shown, { revision: 12, note: {} });
  assert.equal(shown.revision, 12);
  assert.equal(isStale(shown, { revision: 11 }), true, "built before the note: would erase it");
  assert.equal(isStale(shown, { revision: 12 }), false);
});

test("an older or missing event revision never moves it back", () => {
  const shown = { revision: 10 };
  seen(shown, { revision: 3 });
  seen(shown, {});
  seen(shown, null);
  seen(null, { revision: 40 });
  assert.equal(shown.revision, 10);
});

test("a change of the groups replaces them unless the state shown is already newer", () => {
  const shown = { revision: 10, clusters: [{ id: 1, title: "A", notes: [1] }] };
  assert.equal(takeClusters(shown, { revision: 9, clusters: [] }), false);
  assert.deepEqual(shown.clusters.map((c) => c.id), [1]);
  assert.equal(takeClusters(shown, { revision: 11, clusters: [{ id: 2, title: "B", notes: [1, 2] }] }), true);
  assert.deepEqual(shown.clusters.map((c) => c.id), [2]);
  assert.equal(shown.revision, 11);
  assert.equal(isStale(shown, { revision: 10 }), true, "a state built before the regrouping");
});
