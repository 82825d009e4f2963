// The projector: the prompt, the notes, the groups, the vote (totals only once
// closed), the 2×2 matrix, and a large timer, readable from the back of the room.
// The projector: the prompt, the notes, the groups, the vote (totals only once
// closed), the 2×2 matrix, and a large timer, readable from the back of the room.
// Nobody touches it: each region draws its items in the largest type that fits them
// all, and past the smallest size turns its pages by itself ("Página 2 de 3", pager.js).
// Newest notes come first, and a new note brings the first page back.
import {
  NoteBoard, connectLive, dropFromSpotlight, isStale, seen, takeClusters, el, noteElement, readJSON,
  renderQuestion, renderSpotlight, renderStage, spotMark, t, updateSpotlightNote,
} from "./live.js";
import { drawMatrix } from "./matrix.js";
import { Countdown } from "./timer.js";
import { byIdea, commitmentElement } from "./commitments.js";
import { Pager } from "./pager.js";

let state = readJSON("live-state");
const token = readJSON("screen-token");
const notesList = document.getElementById("notes");
const notesRegion = document.getElementById("notes-region");
const boardSection = document.getElementById("board");
const board = new NoteBoard(notesList, { newestFirst: true });
const countdown = new Countdown(document.getElementById("timer"));
const number = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 1 });

// One pager per region, kept across redraws so a region stays on its page.
const pagers = new Map();
const caption = (values) => t("page_of", values);

function pagerFor(key, list, label) {
  let pager = pagers.get(key);
  if (!pager) {
    pager = new Pager(list, label, { caption });
    pagers.set(key, pager);
  }
  pager.list = list;
  pager.label = label;
  return pager;
}

/** A titled region whose list is paged: `<section><h2>title · n de m</h2><list/></section>`. */
function region(key, title, list) {
  const section = el("section", `region region-${key}`);
  section.dataset.region = key;
  const head = el("h2", "region-head");
  const label = el("span", "page-of");
  label.hidden = true;
  head.append(el("span", "region-title", title), label);
  list.classList.add("paged", `paged-${key}`);
  section.append(head, list);
  pagerFor(key, list, label);
  return section;
}

/** Lay out every region shown now; stop the turning of pages of regions hidden or gone. */
function layoutRegions() {
  fitMatrix();
  for (const [key, pager] of pagers) {
    if (pager.list.isConnected && !pager.list.closest("[hidden]")) pager.layout();
    else pager.stop();
    if (!pager.list.isConnected) pagers.delete(key);
  }
}

function groups(view) {
  const byId = new Map(view.notes.map((note) => [note.id, note]));
  const grouped = new Set(view.clusters.flatMap((cluster) => cluster.notes));
  const loose = view.notes.filter((note) => !grouped.has(note.id)).reverse();
  const regions = el("div", "regions");
  if (loose.length) {
    const list = el("ul", "notes");
    list.append(...loose.map((note) => noteElement({ ...note, mine: false }, view.stage)));
    regions.append(region("loose", `${t("ungrouped")} · ${t("notes_count", { count: loose.length })}`, list));
  }
  const cards = el("ul", "cards");
  for (const cluster of view.clusters) {
    const card = spotMark(el("li", "cluster-card"), "cluster", cluster.id);
    card.append(el("h3", null, cluster.title));
    if (cluster.marked && state.workshop.group_mark) card.append(el("p", "group-marked", `✓ ${state.workshop.group_mark}`));
    const list = el("ul", "group-notes");
    for (const id of cluster.notes) {
      if (byId.has(id)) list.append(spotMark(el("li", null, byId.get(id).text), "note", id));
    }
    card.append(list);
    cards.append(card);
  }
  if (!view.clusters.length) cards.append(el("li", "empty", t("no_groups")));
  regions.append(region("groups", t("groups_count", { count: view.clusters.length }), cards));
  return [regions];
}

function vote(view) {
  const summary = view.vote;
  const voters = t("voters", { count: summary.voters });
  if (!summary.closed) {
    const list = el("ul", "options");
    for (const option of summary.candidates) {
      list.append(spotMark(el("li", "option", option.title), option.type, option.id));
    }
    if (!summary.candidates.length) list.append(el("li", "empty", t("no_options")));
    return [region("options", voters, list)];
  }
  const top = Math.max(1, ...Object.values(summary.totals));
  const chart = el("ol", "vote-results");
  const sorted = [...summary.candidates].sort((a, b) =>
    (summary.totals[b.id] || 0) - (summary.totals[a.id] || 0));
  sorted.forEach((option, index) => {
    const count = summary.totals[option.id] || 0;
    const row = spotMark(el("li", "result"), option.type, option.id);
    row.value = index + 1;
    const bar = el("span", "bar");
    bar.style.width = `${(count / top) * 100}%`;
    row.append(el("span", "rank", `${index + 1}.`), el("span", "result-title", option.title),
      el("strong", "total", t("total_dots", { count })), bar);
    chart.append(row);
  });
  return [region("results", `${t("vote_closed")} ${voters}`, chart)];
}

/** The legend beside the projector's 2×2: number → idea, with its means on the plan's axes. */
function legend(items, labels) {
  const list = el("ol", "matrix-legend");
  items.forEach((item, index) => {
    const row = el("li", "legend-item");
    row.value = index + 1;
    row.append(el("span", "legend-title", item.title));
    const rated = item.x !== null && item.x !== undefined;
    const detail = rated
      ? `${labels.x} ${number.format(item.x)} (±${number.format(item.x_spread)}) · ` +
        `${labels.y} ${number.format(item.y)} (±${number.format(item.y_spread)}) · n=${item.count}`
      : t("not_rated");
    row.append(el("span", "legend-detail", detail));
    list.append(row);
  });
  return list;
}

function rate(view) {
  const items = view.rating.matrix || [];
  const [x, y] = view.stage.axes;
  const labels = { x: x?.label || "x", y: y?.label || "y", quick_win: t("quick_win"),
    major_project: t("major_project"), fill_in: t("fill_in"), thankless: t("thankless") };
  const wrap = el("div", "matrix-wrap");
  const figure = el("div", "matrix-box");
  figure.draw = (size) => {
    // Drawn at the size it is shown (one unit, one pixel), so its type is the page's type.
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    figure.replaceChildren(drawMatrix(items, labels, { size, pad: Math.round(rem * 2.4), dot: Math.round(rem * 0.9) }));
  };
  wrap.append(figure, region("legend", t("raters", { count: view.rating.raters }), legend(items, labels)));
  return [wrap];
}

/** Draw the 2×2 to fit the room left for it (after the page is laid out, and on resizing). */
function fitMatrix() {
  const figure = boardSection.querySelector(".matrix-box");
  if (!figure) return;
  figure.replaceChildren();
  figure.draw(Math.max(200, Math.floor(Math.min(figure.clientWidth, figure.clientHeight))));
}

/** The room's commitments under the ideas they act on, and open ones of earlier workshops. */
function commit(view) {
  const wall = el("ul", "cards commit-wall");
  for (const { idea, items } of byIdea(view.commit)) {
    if (!idea && !items.length) continue;
    const card = el("li", "cluster-card commit-card");
    card.append(el("h3", null, idea ? idea.title : t("commit_other")));
    const list = el("ul", "commitments");
    list.append(...items.map((commitment) => commitmentElement({ ...commitment, mine: false })));
    if (!items.length) list.append(el("li", "empty", t("commit_none_yet")));
    card.append(list);
    wall.append(card);
  }
  const regions = el("div", "regions");
  regions.append(region("commit", t("kind_commit"), wall));
  if (view.commit.earlier && view.commit.earlier.length) {
    const list = el("ul", "commitments earlier");
    for (const commitment of view.commit.earlier) {
      const item = commitmentElement({ ...commitment, mine: false });
      item.prepend(el("p", "small", commitment.workshop));
      list.append(item);
    }
    regions.append(region("earlier", t("commit_earlier"), list));
  }
  return [regions];
}

function showNotesCount() {
  document.getElementById("notes-count").textContent = t("notes_count", { count: board.count() });
}

function applyState(next) {
  // Broadcasts sent from different server threads can arrive out of order: never
  // let an older state replace a newer one.
  if (isStale(state, next)) return;
  state = next;
  renderStage(state);
  renderQuestion(state);
  const draw = { cluster: groups, vote, rate, commit }[state.stage.kind];
  const writing = !draw && state.stage.kind !== "discuss";
  notesRegion.hidden = !writing;
  boardSection.hidden = !draw;
  boardSection.dataset.kind = state.stage.kind;
  boardSection.replaceChildren(...(draw ? draw(state) : []));
  board.reset(state);
  showNotesCount();
  countdown.set(state.timer);
  showHint();
  document.getElementById("participant-count").textContent =
    t("participants", { count: state.participant_count });
  renderSpotlight(state);
  layoutRegions();
}

function showHint() {
  const hint = document.getElementById("stage-hint");
  if (state.stage.private && !state.revealed) hint.textContent = t("hidden_count", { count: state.note_count });
  else if (state.stage.kind === "discuss") hint.textContent = t("kind_discuss");
  else hint.textContent = "";
}

/** The wall changed under the notes region: lay it out again; a new note shows page 1. */
function notesChanged({ newest = false } = {}) {
  showNotesCount();
  const pager = pagers.get("notes");
  if (!pager || notesRegion.hidden) return;
  pager.layout();
  if (newest) pager.first();
}

connectLive({ workshop: state.workshop.id, audience: "screen", token }, {
  state: applyState,
  clusters_changed: (payload) => {
    if (takeClusters(state, payload)) { state.spotlight = payload.spotlight; applyState(state); }
  },
  note_added: (payload) => {
    seen(state, payload);
    board.upsert(payload.note);
    notesChanged({ newest: true });
  },
  note_updated: (payload) => {
    seen(state, payload); board.upsert(payload.note); updateSpotlightNote(state, payload.note);
    notesChanged();
  },
  note_deleted: (payload) => {
    seen(state, payload); board.remove(payload.note.id); dropFromSpotlight(state, "note", payload.note.id);
    notesChanged();
  },
  participants_changed: ({ count }) => {
    document.getElementById("participant-count").textContent = t("participants", { count });
  },
  timer: ({ stage, timer }) => { if (stage === state.stage.index) countdown.set(timer); },
  vote_progress: ({ voters }) => {
    if (state.vote) { state.vote.voters = voters; applyState(state); }
  },
  commitments_changed: (payload) => {
    if (!state.commit || payload.revision < state.revision) return;
    seen(state, payload);
    state.commit = { ...state.commit, ...payload };
    applyState(state);
  },
});

pagerFor("notes", notesList, document.getElementById("notes-page"));
applyState(state);
// A presenter's remote (PageDown/PageUp, or the arrows) turns every region's page at once.
document.addEventListener("keydown", (event) => {
  const step = { PageDown: 1, ArrowRight: 1, PageUp: -1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  for (const pager of pagers.values()) if (!pager.list.closest("[hidden]")) pager.turn(step);
});
// Type arrives after the first layout, and a projector may change resolution.
document.fonts.ready.then(layoutRegions);
let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(layoutRegions, 200);
});
