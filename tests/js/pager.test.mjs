// The projector's paging (static/js/pager.js): rows are never split, every item is on
// exactly one page, and a page never holds more than the region's height.
import { test } from "node:test";
import assert from "node:assert/strict";
import { columnPageStarts, pageOf, pageStarts } from "../../static/js/pager.js";

/** Boxes of a grid: `columns` per row, each row `rowHeight` tall with `gap` between rows. */
function grid(count, columns, rowHeight, gap = 10) {
  return Array.from({ length: count }, (_, index) => {
    const top = Math.floor(index / columns) * (rowHeight + gap);
    return { top, bottom: top + rowHeight };
  });
}

test("everything that fits is one page", () => {
  assert.deepEqual(pageStarts(grid(12, 4, 100), 400), [0]);
  assert.deepEqual(pageStarts([], 400), [0]);
});

test("pages start at the first item of a row", () => {
  // 60 notes, 5 per row, rows of 100 + 10: three rows (330) fit in 400.
  const starts = pageStarts(grid(60, 5, 100), 400);
  assert.deepEqual(starts, [0, 15, 30, 45]);
  for (const start of starts) assert.equal(start % 5, 0);
});

test("no page is taller than the region", () => {
  const boxes = grid(61, 4, 130, 12);
  const starts = pageStarts(boxes, 500);
  starts.forEach((start, page) => {
    const end = (starts[page + 1] ?? boxes.length) - 1;
    assert.ok(boxes[end].bottom - boxes[start].top <= 500, `page ${page + 1}`);
  });
  assert.equal(pageOf(starts, 60), starts.length - 1);
  assert.equal(pageOf(starts, 0), 0);
});

test("rows of different heights and an item taller than the region", () => {
  const boxes = [
    { top: 0, bottom: 100 }, { top: 0, bottom: 250 }, // row 1 (250 tall)
    { top: 260, bottom: 900 }, // a very long note, alone on its row
    { top: 910, bottom: 950 }, { top: 910, bottom: 990 },
  ];
  assert.deepEqual(pageStarts(boxes, 500), [0, 2, 3]);
});

test("columns that run on to the right are the next pages", () => {
  // Region 1000 wide, gap 20: page 2 starts at 1020, page 3 at 2040.
  const lefts = [0, 0, 0, 340, 340, 680, 1020, 1020, 1360, 2040];
  assert.deepEqual(columnPageStarts(lefts, 1000, 20), [0, 6, 9]);
  assert.deepEqual(columnPageStarts([0, 340, 680], 1000, 20), [0]);
});
