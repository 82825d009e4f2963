// The projector: the prompt, the notes, the groups, the vote (totals only once
// closed), the 2×2 matrix, and a large timer, readable from the back of the room.
import {
  NoteBoard, connectLive, dropFromSpotlight, isStale, seen, takeClusters, el, readJSON, renderQuestion,
  renderSpotlight, renderStage, spotMark, t, updateSpotlightNote,
} from "./live.js";
import { drawMatrix, matrixLegend } from "./matrix.js";
import { Countdown } from "./timer.js";
import { byIdea, commitmentElement } from "./commitments.js";

let state = readJSON("live-state");
const token = readJSON("screen-token");
const notesList = document.getElementById("notes");
const boardSection = document.getElementById("board");
const board = new NoteBoard(notesList);
const countdown = new Countdown(document.getElementById("timer"));

function groups(view) {
  const byId = new Map(view.notes.map((note) => [note.id, note]));
  const wall = el("div", "screen-groups");
  for (const cluster of view.clusters) {
    const card = spotMark(el("article", "cluster-card"), "cluster", cluster.id);
    card.append(el("h3", null, cluster.title));
    const list = el("ul", "group-notes");
    for (const id of cluster.notes) {
      if (byId.has(id)) list.append(spotMark(el("li", null, byId.get(id).text), "note", id));
    }
    card.append(list);
    wall.append(card);
  }
  return [wall];
}

function vote(view) {
  const summary = view.vote;
  const parts = [el("p", "screen-count", t("voters", { count: summary.voters }))];
  if (!summary.closed) {
    const list = el("ul", "screen-options");
    for (const option of summary.candidates) {
      list.append(spotMark(el("li", null, option.title), option.type, option.id));
    }
    parts.push(list);
    return parts;
  }
  const top = Math.max(1, ...Object.values(summary.totals));
  const chart = el("ol", "vote-results big");
  const sorted = [...summary.candidates].sort((a, b) =>
    (summary.totals[b.id] || 0) - (summary.totals[a.id] || 0));
  for (const option of sorted) {
    const count = summary.totals[option.id] || 0;
    const row = spotMark(el("li", null, option.title), option.type, option.id);
    const bar = el("span", "bar");
    bar.style.width = `${(count / top) * 100}%`;
    row.append(el("strong", "total", ` ${t("total_dots", { count })}`), bar);
    chart.append(row);
  }
  parts.push(chart);
  return parts;
}

function rate(view) {
  const items = view.rating.matrix || [];
  const [x, y] = view.stage.axes;
  const labels = { x: x?.label || "x", y: y?.label || "y", quick_win: t("quick_win"),
    major_project: t("major_project"), fill_in: t("fill_in"), thankless: t("thankless") };
  const wrap = el("div", "matrix-wrap big");
  wrap.append(drawMatrix(items, labels, { size: 640 }), matrixLegend(items, el, t));
  return [el("p", "screen-count", t("raters", { count: view.rating.raters })), wrap];
}

/** The room's commitments under the ideas they act on, and open ones of earlier workshops. */
function commit(view) {
  const wall = el("div", "screen-groups commit-wall");
  for (const { idea, items } of byIdea(view.commit)) {
    if (!idea && !items.length) continue;
    const card = el("article", "cluster-card commit-card");
    card.append(el("h3", null, idea ? idea.title : t("commit_other")));
    const list = el("ul", "commitments");
    list.append(...items.map((commitment) => commitmentElement({ ...commitment, mine: false })));
    if (!items.length) list.append(el("li", "empty", t("commit_none_yet")));
    card.append(list);
    wall.append(card);
  }
  const parts = [wall];
  if (view.commit.earlier && view.commit.earlier.length) {
    parts.push(el("h2", "subhead", t("commit_earlier")));
    const list = el("ul", "commitments earlier");
    for (const commitment of view.commit.earlier) {
      const item = commitmentElement({ ...commitment, mine: false });
      item.prepend(el("p", "small muted", commitment.workshop));
      list.append(item);
    }
    parts.push(list);
  }
  return parts;
}

function applyState(next) {
  // Broadcasts sent from different server threads can arrive out of order: never
  // let an older state replace a newer one.
  if (isStale(state, next)) return;
  state = next;
  renderStage(state);
  renderQuestion(state);
  const draw = { cluster: groups, vote, rate, commit }[state.stage.kind];
  notesList.hidden = Boolean(draw);
  boardSection.replaceChildren(...(draw ? draw(state) : []));
  board.reset(state);
  countdown.set(state.timer);
  showHint();
  document.getElementById("participant-count").textContent =
    t("participants", { count: state.participant_count });
  renderSpotlight(state);
}

function showHint() {
  const hint = document.getElementById("stage-hint");
  if (state.stage.private && !state.revealed) hint.textContent = t("hidden_count", { count: state.note_count });
  else if (state.stage.kind === "discuss") hint.textContent = t("kind_discuss");
  else hint.textContent = "";
}

connectLive({ workshop: state.workshop.id, audience: "screen", token }, {
  state: applyState,
  clusters_changed: (payload) => {
    if (takeClusters(state, payload)) { state.spotlight = payload.spotlight; applyState(state); }
  },
  note_added: (payload) => { seen(state, payload); board.upsert(payload.note); },
  note_updated: (payload) => {
    seen(state, payload); board.upsert(payload.note); updateSpotlightNote(state, payload.note);
  },
  note_deleted: (payload) => {
    seen(state, payload); board.remove(payload.note.id); dropFromSpotlight(state, "note", payload.note.id);
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

applyState(state);
