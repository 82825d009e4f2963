// The projector's regions: a region shows its items in the largest type that fits them
// all on the screen; past the smallest size it shows them a page at a time, turning the
// page by itself every few seconds ("2 de 5"), so nobody has to touch the screen.
// `pageStarts` is pure (tested with `node --test`); `Pager` measures the drawn page.

/** The sizes a region tries, largest type first (data-size on the list; app.css). */
export const SIZES = ["xl", "l", "m", "s"];
export const PAGE_SECONDS = 12;

/**
 * Where each page starts (item indexes), given each item's top and bottom in drawing
 * order (the rows of a grid) and the height the region has. A row is never split: when
 * an item would overflow, its whole row opens the next page. An item taller than the
 * region gets a page of its own (there is nothing smaller to give it).
 */
export function pageStarts(boxes, height) {
  if (!boxes.length) return [0];
  const starts = [0];
  let pageTop = boxes[0].top;
  let rowStart = 0;
  boxes.forEach((box, index) => {
    if (index > 0 && Math.abs(box.top - boxes[index - 1].top) >= 1) rowStart = index;
    const pageStart = starts[starts.length - 1];
    if (box.bottom - pageTop > height + 0.5 && rowStart > pageStart) {
      starts.push(rowStart);
      pageTop = boxes[rowStart].top;
    }
  });
  return starts;
}

/**
 * Where each page starts when the region is a set of columns (CSS columns, filled top to
 * bottom): the columns that do not fit run on to the right, one region's width (plus the
 * gap) per page, so an item's left edge says its page.
 */
export function columnPageStarts(lefts, width, gap) {
  const starts = [0];
  let page = 0;
  lefts.forEach((left, index) => {
    // A page's columns start before `width`; the next page's first one at width + gap
    // (give or take the fractions of a pixel a column width may have).
    const at = Math.floor((left + gap / 2 + 2) / (width + gap));
    if (at > page) {
      page = at;
      starts.push(index);
    }
  });
  return starts;
}

/** The page (0-based) an item index is on. */
export function pageOf(starts, index) {
  let page = 0;
  starts.forEach((start, number) => { if (index >= start) page = number; });
  return page;
}

/**
 * One paged region: `list` holds the items (its children), `label` says "n de m".
 * `layout()` after the list's children change; `first()` shows the first page (the
 * newest notes, which the projector draws first).
 */
export class Pager {
  constructor(list, label, { caption, seconds = PAGE_SECONDS } = {}) {
    this.list = list;
    this.label = label;
    this.caption = caption;
    this.seconds = seconds;
    this.page = 0;
    this.starts = [0];
    this.clock = null;
  }

  layout() {
    // Measured again if showing the page changed the room the list has (a heading that
    // wraps once it says "n de m").
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const room = [this.list.clientWidth, this.list.clientHeight].join();
      const items = [...this.list.children];
      for (const item of items) item.hidden = false;
      for (const size of SIZES) {
        this.list.dataset.size = size;
        this.starts = this.paginate(items);
        if (this.starts.length === 1) break;
      }
      if (this.page >= this.starts.length) this.page = 0;
      this.show();
      if ([this.list.clientWidth, this.list.clientHeight].join() === room) break;
    }
    this.cycle();
  }

  paginate(items) {
    const style = getComputedStyle(this.list);
    if (style.columnWidth === "auto") return pageStarts(this.measure(items), this.list.clientHeight);
    const box = this.list.getBoundingClientRect();
    const lefts = items.map((item) => item.getBoundingClientRect().left - box.left);
    return columnPageStarts(lefts, box.width, parseFloat(style.columnGap) || 0);
  }

  measure(items) {
    const origin = this.list.getBoundingClientRect().top;
    return items.map((item) => {
      const box = item.getBoundingClientRect();
      return { top: box.top - origin, bottom: box.bottom - origin };
    });
  }

  first() {
    this.page = 0;
    this.show();
    this.cycle();
  }

  next() {
    this.page = (this.page + 1) % this.starts.length;
    this.show();
  }

  /** Turn by hand (a presenter's remote): `step` pages on, and the slow turn starts over. */
  turn(step) {
    const count = this.starts.length;
    this.page = (((this.page + step) % count) + count) % count;
    this.show();
    this.cycle();
  }

  show() {
    const items = [...this.list.children];
    const start = this.starts[this.page];
    const end = this.starts[this.page + 1] ?? items.length;
    items.forEach((item, index) => { item.hidden = index < start || index >= end; });
    this.list.dataset.page = String(this.page + 1);
    this.list.dataset.pages = String(this.starts.length);
    if (this.label) {
      // Kept in the layout when there is one page (only unseen), so the list's room stays put.
      this.label.hidden = false;
      this.label.style.visibility = this.starts.length < 2 ? "hidden" : "visible";
      this.label.textContent = this.caption
        ? this.caption({ index: this.page + 1, count: this.starts.length }) : "";
    }
  }

  /** Restart the slow turn of pages (none when everything fits). */
  cycle() {
    this.stop();
    if (this.starts.length > 1) this.clock = setInterval(() => this.next(), this.seconds * 1000);
  }

  stop() {
    if (this.clock) clearInterval(this.clock);
    this.clock = null;
  }
}
