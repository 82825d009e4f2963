// The participant's phone: post notes to the current stage, edit or delete
// them, vote and rate, follow the facilitator. Nothing typed or tapped is lost:
// notes and taps wait in localStorage (outbox.js) until the server acknowledges
// them; temporary refusals are retried with backoff, and a note refused for good
// stays on the phone, marked "not sent" with the reason, until its author edits,
// resends or discards it. The person's own notes show first, right under the box.
import {
  connectLive, dropFromSpotlight, isStale, seen, takeClusters, el, noteElement, readJSON, renderQuestion,
  renderSpotlight, renderStage, request, spotMark, t, updateSpotlightNote,
} from "./live.js";
import { Outbox, TapQueue } from "./outbox.js";
import { Countdown } from "./timer.js";

let state = readJSON("live-state");
const workshopId = state.workshop.id;
const outboxKey = `workshop:${workshopId}:outbox`;
const tapsKey = `workshop:${workshopId}:taps`;
const mineKey = `workshop:${workshopId}:mine`;
const draftKey = `workshop:${workshopId}:draft`;

const form = document.getElementById("compose");
const textarea = document.getElementById("note-text");
const counter = document.getElementById("counter");
const sendButton = document.getElementById("send");
const composeError = document.getElementById("compose-error");
const laneBox = document.getElementById("lanes");
const laneOptions = document.getElementById("lane-options");
const mineSection = document.getElementById("mine");
const mineList = document.getElementById("my-notes");
const roomList = document.getElementById("notes");
const roomTitle = document.getElementById("room-title");

// localStorage may be missing or blocked (private mode): then everything lives in memory.
const storage = (() => {
  try {
    const probe = window.localStorage;
    probe.getItem(mineKey);
    return probe;
  } catch {
    const memory = new Map();
    return { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, String(v)) };
  }
})();

function load(key, fallback) {
  try { return JSON.parse(storage.getItem(key)) ?? fallback; } catch { return fallback; }
}
function store(key, value) {
  try { storage.setItem(key, JSON.stringify(value)); } catch { /* storage full or blocked */ }
}

const mine = new Set(load(mineKey, []));

function rememberMine(clientId) {
  if (mine.has(clientId)) return;
  mine.add(clientId);
  store(mineKey, [...mine].slice(-1000));
}

function newClientId() {
  // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The socket is created at the end; until then nothing can be sent.
let socket = null;
const connected = () => Boolean(socket && socket.connected);

const outbox = new Outbox({
  storage, key: outboxKey, newId: newClientId, canSend: connected,
  send: (note) => request(socket, "add_note", note),
  onSent: (note, ack) => {
    rememberMine(ack.note.client_id);
    upsertNote(ack.note);
  },
  onChange: () => renderMine(),
});

const taps = new TapQueue({
  storage, key: tapsKey, newId: newClientId, canSend: connected,
  send: (tap) => {
    if (tap.event === "retract_dot" && tap.meta.before === undefined) {
      // Everything tapped before it is settled: the count the server has now.
      tap.meta.before = Number((state.vote?.mine || {})[tap.payload.target_id] || 0);
    }
    return request(socket, tap.event, tap.payload);
  },
  // A retract that got no answer may have been applied: ask the server before repeating it.
  confirm: async (tap) => {
    const ack = await request(socket, "mine", {});
    if (!ack || !ack.ok) throw new Error("no state");
    if (ack.vote && state.vote) Object.assign(state.vote, ack.vote);
    const now = Number((ack.vote?.mine || {})[tap.payload.target_id] || 0);
    return now >= tap.meta.before;
  },
  onDone: (tap, ack) => {
    // A tap's answer carries this phone's dots and how many are left, not the whole vote.
    if (ack.vote && state.vote) Object.assign(state.vote, ack.vote);
    if (ack.mine && state.rating) state.rating.mine = ack.mine;
    if (!reviewing) renderView(state);
  },
  onRefused: (tap, verdict) => {
    if (!reviewing) renderView(state);
    const error = boardSection.querySelector(".board-error");
    if (error) error.textContent = verdict.message || t("server_failed");
  },
  onChange: () => renderTapStatus(),
});

// Notes of the current stage the server has confirmed, by client id.
let stageNotes = new Map();
// How many of the room's notes the page keeps: the latest, as many as each state says
// (`notes_window`), more once the person asks for earlier ones. Unbounded, a phone in a
// room of hundreds grew by a note a second and redrew them all on each new one.
let roomWindow = 0;
const boardSection = document.getElementById("board");
const countdown = new Countdown(document.getElementById("timer"));
const reviewBox = document.getElementById("review");
const reviewSelect = document.getElementById("review-stage");
let reviewing = false;

// ---- The notes: the person's own first, then the room's ----

function upsertNote(note) {
  if (note.mine) rememberMine(note.client_id);
  if (note.stage !== state.stage.index) return;
  const known = stageNotes.get(note.client_id);
  const stored = { ...note, mine: note.mine || mine.has(note.client_id) || Boolean(known?.mine) };
  stageNotes.set(note.client_id, stored);
  if (isMine(stored)) {
    renderNotes();
  } else {
    keepRoomWindow();
    renderRoom();
  }
}

/** Drop the room's oldest notes beyond the window (never the person's own): they stay on
 * the server, behind "earlier notes". */
function keepRoomWindow() {
  const others = roomNotes();
  if (others.length <= roomWindow) return;
  others.sort((a, b) => a.id - b.id);
  for (const note of others.slice(0, others.length - roomWindow)) stageNotes.delete(note.client_id);
  state.notes_complete = false;
}

function removeNote(noteId) {
  for (const [key, note] of stageNotes) if (note.id === noteId) stageNotes.delete(key);
  renderNotes();
}

function isMine(note) {
  return note.mine || mine.has(note.client_id);
}

/** The room's notes of the current stage on this page: everyone's but the person's own. */
function roomNotes() {
  return [...stageNotes.values()].filter((note) => !isMine(note));
}

function stageOf(index) {
  return index === state.stage.index ? state.stage : state.stages.find((s) => s.index === index) || { lanes: [] };
}

function renderNotes() {
  renderMine();
  renderRoom();
}

/** The room's notes of the current stage, without the person's own (they are above). */
function renderRoom() {
  if (reviewing) return;
  const others = roomNotes();
  const items = others.map((note) => noteElement(note, state.stage));
  if (!state.notes_complete && !roomList.hidden) {
    const more = el("li", "more");
    const button = el("button", "small-button", t("earlier_notes"));
    button.type = "button";
    button.addEventListener("click", loadEarlierNotes);
    more.append(button);
    items.unshift(more);
  }
  roomList.replaceChildren(...items);
  roomTitle.hidden = !others.length || roomList.hidden;
}

// While the person edits a refused note, redrawing the list would take the text box
// away from under their fingers: the list is redrawn when the edit ends.
let editing = null;
let mineDirty = false;

function statusLine(className, text) {
  const line = el("p", `note-status ${className}`, text);
  line.setAttribute("role", "status");
  return line;
}

function waitingText(clientId) {
  if (outbox.status(clientId) === "sending") return t("sending");
  if (!connected()) return t("status_offline");
  return outbox.waitingReason(clientId) ? t("status_waiting") : t("sending");
}

function ownItem(note, status) {
  const stage = stageOf(note.stage);
  const item = noteElement({ ...note, mine: true }, stage);
  item.classList.add(status);
  if (note.stage !== state.stage.index) {
    item.prepend(el("span", "note-stage", t("note_stage", { index: note.stage + 1, title: stage.title || "" })));
  }
  if (status === "sent") {
    item.append(statusLine("sent", "✓ " + t("sent")));
    addOwnerControls(item, note);
  } else if (status === "pending") {
    item.append(statusLine("pending", waitingText(note.client_id)));
  } else {
    const reason = note.code === "server" || !note.reason ? t("server_failed") : note.reason;
    item.append(statusLine("unsent", t("refused", { message: reason })));
    item.append(unsentTools(item, note));
  }
  return item;
}

function button(text, className, onClick) {
  const node = el("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function unsentTools(item, note) {
  const tools = el("span", "note-tools");
  tools.append(
    button(t("edit"), "small-button", () => editUnsent(item, note)),
    button(t("resend"), "small-button primary", () => resend(note.client_id)),
    button(t("discard"), "small-button danger", () => {
      if (window.confirm(t("confirm_discard"))) outbox.discard(note.client_id);
    }),
  );
  return tools;
}

function resend(clientId, text) {
  const again = outbox.resend(clientId, text);
  if (again) rememberMine(again.client_id);
  return again;
}

function editUnsent(item, note) {
  editing = note.client_id;
  const box = el("textarea", "edit-box");
  box.value = note.text;
  box.maxLength = state.note_max_length;
  box.setAttribute("aria-label", t("edit"));
  const error = el("p", "error");
  const done = () => {
    editing = null;
    if (mineDirty) renderMine();
  };
  const tools = el("span", "note-tools");
  tools.append(
    button(t("resend"), "small-button primary", () => {
      if (box.value.length > state.note_max_length || !box.value.trim()) {
        error.textContent = box.value.trim() ? t("too_long", { count: box.value.length - state.note_max_length }) : "";
        return;
      }
      editing = null;
      resend(note.client_id, box.value);
      done();
    }),
    button(t("cancel"), "small-button", () => { done(); renderMine(); }),
  );
  item.replaceChildren(box, tools, error);
  box.focus();
}

/** "Your notes": not sent first (they need the person), then waiting, then sent, newest first. */
function renderMine() {
  if (editing && mineList.querySelector(".edit-box")) {
    mineDirty = true;
    return;
  }
  mineDirty = false;
  const items = [];
  for (const note of outbox.unsent) items.push(ownItem(note, "unsent"));
  for (const note of [...outbox.pending].reverse()) {
    if (!stageNotes.has(note.client_id)) items.push(ownItem(note, "pending"));
  }
  if (!reviewing && state.stage.kind === "write") {
    const sent = [...stageNotes.values()].filter(isMine).sort((a, b) => (b.id || 0) - (a.id || 0));
    for (const note of sent) items.push(ownItem(note, "sent"));
  }
  mineList.replaceChildren(...items);
  mineSection.hidden = !items.length;
  showJustSent();
}

// The note just sent stays in sight, under the box, until it is marked sent: people who
// cannot see it go on waiting, or send it twice.
let justSent = null;

function showJustSent() {
  if (!justSent) return;
  const item = [...mineList.children].find((node) => node.dataset.clientId === justSent);
  if (!item) return;
  item.scrollIntoView({ block: "nearest" });
  if (item.classList.contains("sent") || item.classList.contains("unsent")) justSent = null;
}

function addOwnerControls(item, note) {
  if (note.stage !== state.stage.index || !note.id || state.locked) return;
  const tools = el("span", "note-tools");
  tools.append(
    button(t("edit"), "small-button", () => startEdit(item, note)),
    button(t("delete"), "small-button danger", () => deleteNote(note)),
  );
  item.append(tools);
}

function startEdit(item, note) {
  editing = note.client_id;
  const box = el("textarea", "edit-box");
  box.value = note.text;
  box.maxLength = state.note_max_length;
  box.setAttribute("aria-label", t("edit"));
  const error = el("p", "error");
  const done = () => {
    editing = null;
    renderMine();
  };
  const tools = el("span", "note-tools");
  tools.append(
    button(t("save"), "small-button primary", async () => {
      try {
        const ack = await request(socket, "edit_note", { note_id: note.id, text: box.value });
        if (!ack.ok) { error.textContent = ack.message; return; }
        editing = null;
        upsertNote(ack.note);
      } catch {
        error.textContent = t("offline");
      }
    }),
    button(t("cancel"), "small-button", done),
  );
  item.replaceChildren(box, tools, error);
  box.focus();
}

async function deleteNote(note) {
  if (!window.confirm(t("confirm_delete"))) return;
  try {
    const ack = await request(socket, "delete_note", { note_id: note.id });
    if (ack.ok) removeNote(note.id);
    else window.alert(ack.message);
  } catch {
    window.alert(t("offline"));
  }
}

function updateCounter() {
  const left = state.note_max_length - textarea.value.length;
  counter.textContent = left >= 0 ? t("chars_left", { count: left }) : t("too_long", { count: -left });
  counter.classList.toggle("over", left < 0);
}

function renderLanes(stage) {
  laneBox.hidden = !stage.lanes.length;
  const chosen = form.querySelector("input[name=lane]:checked")?.value;
  laneOptions.replaceChildren(...stage.lanes.map((lane) => {
    const label = el("label", "chip");
    const input = el("input");
    input.type = "radio";
    input.name = "lane";
    input.value = lane.key;
    input.checked = lane.key === chosen;
    label.append(input, " ", el("span", null, lane.label));
    return label;
  }));
}

function applyState(next) {
  // Broadcasts sent from different server threads can arrive out of order: never
  // let an older state replace a newer one.
  if (isStale(state, next)) return;
  const lanesOf = (view) => JSON.stringify(view?.stage.lanes || []);
  // A plan edit may change the lanes of the stage the room is on: draw them again too.
  const stageChanged = !state || next.stage.index !== state.stage.index || lanesOf(state) !== lanesOf(next);
  state = next;
  const stage = state.stage;
  renderStage(state);
  renderQuestion(state);
  form.hidden = stage.kind !== "write";
  form.querySelector("input[name=stage]").value = stage.index;
  form.querySelector("input[name=stage_id]").value = stage.id;
  if (stageChanged) renderLanes(stage);
  document.getElementById("private-hint").hidden = !stage.private;
  const hint = document.getElementById("stage-hint");
  hint.hidden = stage.kind !== "discuss";
  hint.textContent = stage.kind === "discuss" ? t("no_input") : t("coming_later");
  for (const note of state.notes) {
    if (note.mine) rememberMine(note.client_id);
    else if (mine.has(note.client_id)) note.mine = true;
  }
  const ended = state.workshop.status === "closed";
  document.getElementById("locked-hint").hidden = !state.locked && !ended;
  if (ended) {
    document.getElementById("locked-hint").textContent = t("ended");
    form.hidden = true;
  }
  textarea.disabled = sendButton.disabled = Boolean(state.locked);
  countdown.set(state.timer);
  reviewing = false;
  renderView(state);
  renderReview();
  renderSpotlight(state);
}

/** Draw a stage view: the current one, or an earlier one when looking back. */
function renderView(view) {
  const kind = view.stage.kind;
  const onBoard = kind === "cluster" || kind === "vote" || kind === "rate";
  roomList.hidden = onBoard;
  if (onBoard) {
    const draw = { cluster: clusterView, vote: voteView, rate: rateView }[kind];
    boardSection.replaceChildren(...draw(view));
  } else if (kind === "commit" && view.commit) {
    roomList.hidden = true;
    renderCommit(view);
  } else {
    boardSection.replaceChildren();
  }
  if (reviewing) {
    // An earlier stage, read-only: every note of it, the person's own marked.
    roomTitle.hidden = true;
    roomList.replaceChildren(...view.notes.map((note) =>
      noteElement({ ...note, mine: isMine(note) }, view.stage)));
    renderMine();
  } else {
    stageNotes = new Map(view.notes.map((note) => [note.client_id, note]));
    roomWindow = view.notes_window;
    renderNotes();
  }
  renderTapStatus();
}

function noteTexts(view, ids) {
  const byId = new Map(view.notes.map((note) => [note.id, note]));
  return ids.map((id) => byId.get(id)).filter(Boolean);
}

/**
 * A group as a card: its title, the controls, and its notes behind a disclosure. A phone
 * gets only a few notes of each group with the state; the rest arrive when the person
 * opens the group (a large room's wall would not fit a phone's data plan).
 */
function groupCard(view, title, ids, extra, spot) {
  const card = el("article", "group-card");
  if (spot) spotMark(card, spot.type, spot.id);
  const heading = el("h2", null, title);  // under the stage's h1 (headings in order)
  card.append(heading);
  if (extra) card.append(extra);
  const list = el("ul", "group-notes");
  const known = noteTexts(view, ids);
  const noteItem = (note) => spotMark(el("li", null, note.text), "note", note.id);
  for (const note of known) list.append(noteItem(note));
  const details = el("details");
  details.append(el("summary", null, t("notes_in_group", { count: ids.length })), list);
  const missing = ids.filter((id) => !known.some((note) => note.id === id));
  if (missing.length) {
    details.addEventListener("toggle", async () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = "yes";
      const ack = await request(socket, "notes", { stage: view.stage.index, ids: missing }).catch(() => null);
      if (!ack || !ack.ok) { delete details.dataset.loaded; return; }
      view.notes.push(...ack.notes);
      list.replaceChildren(...noteTexts(view, ids).map(noteItem));
    });
  }
  card.append(details);
  return card;
}

/** The room's earlier notes, for a phone that got only the latest with its state. */
async function loadEarlierNotes() {
  // Before the oldest of the room's notes shown: the person's own may be older still.
  const ids = roomNotes().map((note) => note.id);
  const before = ids.length ? Math.min(...ids) : undefined;
  const ack = await request(socket, "notes", { stage: state.stage.index, before }).catch(() => null);
  if (!ack || !ack.ok) return;
  const older = ack.notes.filter((note) => !stageNotes.has(note.client_id));
  roomWindow += older.filter((note) => !isMine(note)).length;
  stageNotes = new Map([...older.map((note) => [note.client_id, note]), ...stageNotes]);
  if (ack.notes.length < 100) state.notes_complete = true;
  renderNotes();
}

function clusterView(view) {
  // Something to do, or at least to know, while the facilitator groups at the front.
  const parts = [el("p", "hint watch-hint",
    view.stage.participants_propose ? t("propose_hint") : t("watch_screen"))];
  const grouped = new Set();
  for (const cluster of view.clusters) {
    cluster.notes.forEach((id) => grouped.add(id));
    const marked = cluster.marked && state.workshop.group_mark
      ? el("p", "group-marked", `✓ ${state.workshop.group_mark}`) : null;
    parts.push(groupCard(view, cluster.title, cluster.notes, marked, { type: "cluster", id: cluster.id }));
  }
  if (!view.clusters.length) parts.push(el("p", "hint", t("no_groups")));
  const loose = view.notes.filter((note) => !grouped.has(note.id));
  if (loose.length) {
    parts.push(el("h2", "subhead", t("ungrouped")));
    const list = el("ul", "notes");
    const propose = view.stage.participants_propose && !reviewing && !view.locked;
    for (const note of loose) {
      const item = spotMark(el("li", "note"), "note", note.id);
      if (propose) {
        const label = el("label", "pick");
        const box = el("input");
        box.type = "checkbox";
        box.value = note.id;
        label.append(box, " ", el("span", null, note.text));
        item.append(label);
      } else {
        item.append(el("p", "note-text", note.text));
      }
      list.append(item);
    }
    parts.push(list);
    if (propose) parts.push(proposeForm(list));
  }
  return parts;
}

function proposeForm(list) {
  const wrap = el("div", "propose");
  const name = el("input");
  name.placeholder = t("group_name");
  name.maxLength = 120;
  const error = el("p", "error");
  const propose = button(t("propose_group"), "primary", async () => {
    const ids = [...list.querySelectorAll("input:checked")].map((box) => Number(box.value));
    if (!ids.length) { error.textContent = t("select_notes_first"); return; }
    const ack = await request(socket, "group_notes", { note_ids: ids, title: name.value })
      .catch(() => ({ ok: false, message: t("offline") }));
    if (!ack.ok) error.textContent = ack.message;
  });
  wrap.append(name, propose, error);
  return wrap;
}

// ---- Commitments: loaded only when a commit stage shows (phone_commit.js), so the
// phone's first load stays small ----

// The ids of this phone's own commitments (from its acks and from `mine`).
const ownCommitments = new Set();
let commitStage = null;
let commitLoading = false;

function renderCommit(view) {
  if (commitStage) { commitStage.render(view); return; }
  if (!boardSection.querySelector(".commit-loading")) {
    boardSection.replaceChildren(el("p", "hint commit-loading", t("loading")));
  }
  if (commitLoading) return;
  commitLoading = true;
  import("./phone_commit.js").then(({ loadCommitStage }) => loadCommitStage({
    board: boardSection,
    socket: () => socket,
    state: () => state,
    reviewing: () => reviewing,
    own: ownCommitments,
    redraw: () => { if (!reviewing) renderView(state); },
    button,
  })).then((stage) => {
    commitStage = stage;
    if (!reviewing) renderView(state);
  }).catch(() => {
    commitLoading = false;
    boardSection.replaceChildren(el("p", "error", t("server_failed")));
  });
}

// ---- Dots and ratings: taps wait in their own queue and show as pending ----

/** Dots the person tapped on an item that the server has not confirmed yet (+ cast, − retract). */
function pendingDots(targetId) {
  let count = 0;
  for (const tap of taps.waiting()) {
    if (tap.payload.target_id !== targetId || tap.meta.stage !== state.stage.index) continue;
    if (tap.event === "cast_dot") count += 1;
    if (tap.event === "retract_dot") count -= 1;
  }
  return count;
}

function dotsMeter(count, cap, pending) {
  const meter = el("span", "dots-meter");
  // A picture of the dots, named by its label (a plain span may not carry aria-label).
  meter.setAttribute("role", "img");
  meter.setAttribute("aria-label", t("dots_on", { count }));
  const confirmed = count - Math.max(0, pending);
  for (let i = 0; i < cap; i += 1) {
    const className = i < confirmed ? "dot on" : i < count ? "dot on pending" : "dot";
    meter.append(el("span", className, ""));
  }
  return meter;
}

function tapDot(event, option) {
  const payload = event === "cast_dot"
    ? { target_id: option.id, client_id: newClientId() } : { target_id: option.id };
  taps.push(event, payload, { meta: { stage: state.stage.index } });
  renderView(state);
}

/** Under the vote or the ratings: taps still on their way. */
function renderTapStatus() {
  const line = boardSection.querySelector(".tap-status");
  if (!line) return;
  const waiting = taps.waiting().length;
  line.hidden = !waiting;
  line.textContent = !waiting ? "" : connected() ? t("sending") : t("taps_offline");
}

function voteView(view) {
  const vote = view.vote;
  const parts = [];
  const header = el("p", "vote-header");
  let waitingTotal = 0;
  if (!reviewing) for (const option of vote.candidates) waitingTotal += pendingDots(option.id);
  if (!vote.closed && vote.left !== undefined && !reviewing) {
    const left = Math.max(0, vote.left - waitingTotal);
    header.append(el("strong", "dots-left", t("dots_left", { count: left })), " · ");
  }
  header.append(el("span", "voters", t("voters", { count: vote.voters })));
  parts.push(header, tapStatusLine());
  if (vote.closed) parts.push(el("p", "hint", t("vote_closed")));
  if (!vote.candidates.length) parts.push(el("p", "hint", t("no_options")));
  const options = vote.closed
    ? [...vote.candidates].sort((a, b) => (vote.totals[b.id] || 0) - (vote.totals[a.id] || 0))
    : vote.candidates;
  const left = (vote.left ?? 0) - waitingTotal;
  for (const option of options) {
    const pending = reviewing ? 0 : pendingDots(option.id);
    const mineOn = ((vote.mine || {})[option.id] || 0) + pending;
    const controls = el("div", "vote-controls");
    if (vote.closed) {
      controls.append(el("strong", "total", t("total_dots", { count: vote.totals[option.id] || 0 })));
    } else if (!reviewing && vote.mine) {
      const minus = button("−", "round", () => tapDot("retract_dot", option));
      minus.setAttribute("aria-label", t("remove_dot"));
      minus.disabled = mineOn <= 0 || view.locked;
      const plus = button("+", "round primary", () => tapDot("cast_dot", option));
      plus.setAttribute("aria-label", t("add_dot"));
      plus.disabled = mineOn >= vote.cap || left <= 0 || view.locked;
      controls.append(minus, dotsMeter(mineOn, vote.cap, pending), plus);
    }
    const card = groupCard(view, option.title, option.notes, controls, option);
    card.dataset.option = option.id;
    parts.push(card);
  }
  parts.push(el("p", "error board-error"));
  return parts;
}

function tapStatusLine() {
  const status = el("p", "tap-status");
  status.setAttribute("role", "status");
  status.hidden = true;
  return status;
}

function rateView(view) {
  const rating = view.rating;
  // The count of raters lives on the console and projector, which get it live.
  const parts = [tapStatusLine()];
  if (!rating.candidates.length) parts.push(el("p", "hint", t("no_options")));
  const mineAll = rating.mine || {};
  const waiting = new Map(taps.waiting().filter((tap) => tap.event === "rate")
    .map((tap) => [tap.payload.target_id, [tap.payload.x, tap.payload.y]]));
  for (const option of rating.candidates) {
    const chosen = [...(waiting.get(option.id) || mineAll[option.id] || [null, null])];
    const controls = el("div", "rate-controls");
    view.stage.axes.forEach((axis, axisIndex) => {
      const row = el("fieldset", "rate-row");
      row.append(el("legend", null, axis.label));
      const anchors = { 1: axis.low, 5: axis.high };
      for (let value = 1; value <= 5; value += 1) {
        const scale = button(String(value), "scale", () => {
          chosen[axisIndex] = value;
          row.querySelectorAll("button").forEach((b) =>
            b.setAttribute("aria-pressed", String(Number(b.textContent) === value)));
          if (chosen[0] && chosen[1]) {
            error.textContent = "";
            // Rating an item again replaces a rating of it that has not gone out yet.
            taps.push("rate", { target_id: option.id, x: chosen[0], y: chosen[1] },
              { key: `rate:${option.id}`, meta: { stage: state.stage.index } });
            done.hidden = true;
            renderTapStatus();
          }
        });
        scale.setAttribute("aria-pressed", String(chosen[axisIndex] === value));
        scale.disabled = reviewing || view.locked || !rating.mine;
        if (anchors[value]) scale.setAttribute("aria-label", t("rate_value", { value, anchor: anchors[value] }));
        row.append(scale);
      }
      // The plan's words for both ends, under the scale: what 1 and 5 mean for this axis.
      if (axis.low || axis.high) {
        const ends = el("p", "rate-anchors");
        ends.setAttribute("aria-hidden", "true");
        ends.append(el("span", "rate-low", axis.low ? t("rate_low", { anchor: axis.low }) : ""),
          el("span", "rate-high", axis.high ? t("rate_high", { anchor: axis.high }) : ""));
        row.append(ends);
      }
      controls.append(row);
    });
    const done = el("span", "rated", "✓ " + t("rated"));
    done.hidden = !(mineAll[option.id] && !waiting.has(option.id));
    const error = el("p", "error");
    controls.append(done, error);
    parts.push(groupCard(view, option.title, option.notes, controls, option));
  }
  parts.push(el("p", "error board-error"));
  return parts;
}

function renderReview() {
  const earlier = state.stages.filter((s) => s.index < state.stage.index);
  reviewBox.hidden = !state.workshop.review_allowed || !earlier.length;
  if (reviewBox.hidden) return;
  const current = el("option", null, t("current_stage"));
  current.value = "";
  reviewSelect.replaceChildren(current, ...earlier.map((s) => {
    const option = el("option", null, `${s.index + 1}. ${s.title}`);
    option.value = s.index;
    return option;
  }));
}

reviewSelect.addEventListener("change", async () => {
  if (reviewSelect.value === "") { applyState(state); return; }
  const ack = await request(socket, "view_stage", { stage: Number(reviewSelect.value) })
    .catch(() => null);
  if (!ack || !ack.ok) return;
  reviewing = true;
  form.hidden = true;
  const view = ack.view;
  renderStage({ stage: view.stage, stages: state.stages });
  document.getElementById("stage-hint").hidden = false;
  document.getElementById("stage-hint").textContent = t("read_only");
  renderView(view);
});

// ---- Sending ----

form.addEventListener("submit", (event) => {
  event.preventDefault();
  composeError.hidden = true;
  if (!textarea.value.trim()) return;
  if (textarea.value.trim().length > state.note_max_length) { updateCounter(); return; }
  const lane = form.querySelector("input[name=lane]:checked")?.value || null;
  const note = outbox.add({ text: textarea.value, stage: state.stage.index, stageId: state.stage.id, lane });
  if (!note) {
    composeError.hidden = false;
    composeError.textContent = t("empty_note");
    return;
  }
  rememberMine(note.client_id);
  justSent = note.client_id;
  textarea.value = "";
  store(draftKey, "");
  updateCounter();
  renderMine();
  textarea.focus();
});

textarea.addEventListener("input", () => {
  updateCounter();
  store(draftKey, textarea.value);
});

/**
 * The room's state is the same for every phone (sent once to all); what is this phone's
 * own — its notes of a private stage, its dots, its ratings — comes with a small request.
 */
function askForMine(shared) {
  socket.emit("mine", {}, (ack) => {
    if (!ack || !ack.ok || ack.stage !== state.stage.index || state !== shared) return;
    const known = new Set(state.notes.map((note) => note.client_id));
    for (const note of ack.notes) if (!known.has(note.client_id)) state.notes.push(note);
    if (ack.vote && state.vote) Object.assign(state.vote, ack.vote);
    if (ack.rating && state.rating) Object.assign(state.rating, ack.rating);
    if (ack.commit) for (const id of ack.commit.mine) ownCommitments.add(id);
    state.personal = true;
    if (!reviewing) renderView(state);
  });
}

function connectionBack() {
  outbox.reconnected();
  taps.reconnected();
  renderMine();
  renderTapStatus();
}

socket = connectLive({ workshop: workshopId, audience: "participant" }, {
  state: (next) => {
    applyState(next);
    const personal = next.stage.private || ["vote", "rate", "commit"].includes(next.stage.kind);
    if (personal && !next.personal) askForMine(next);
    connectionBack();
  },
  timer: ({ stage, timer }) => { if (stage === state.stage.index) countdown.set(timer); },
  vote_progress: ({ voters }) => {
    if (state.vote) { state.vote.voters = voters; if (!reviewing) renderView(state); }
  },
  removed: () => {
    socket.disconnect();
    form.hidden = true;
    boardSection.replaceChildren(el("p", "error", t("removed")));
  },
  clusters_changed: (payload) => {
    if (!takeClusters(state, payload)) return;
    state.spotlight = payload.spotlight;
    if (!reviewing) renderView(state);
    renderSpotlight(state);
  },
  commitments_changed: (payload) => {
    if (!state.commit || payload.revision < state.revision) return;
    seen(state, payload);
    state.commit = { ...state.commit, ...payload };
    if (!reviewing) renderView(state);
  },
  note_added: (payload) => { seen(state, payload); upsertNote(payload.note); },
  note_updated: (payload) => {
    seen(state, payload); upsertNote(payload.note); updateSpotlightNote(state, payload.note);
  },
  note_deleted: (payload) => {
    seen(state, payload); removeNote(payload.note.id); dropFromSpotlight(state, "note", payload.note.id);
  },
});
socket.on("connect", connectionBack);
socket.on("disconnect", () => { renderMine(); renderTapStatus(); });

window.addEventListener("online", () => { outbox.flush(); taps.flush(); });
// A safety net: whatever is due goes out even if a wake-up was missed.
setInterval(() => { outbox.flush(); taps.flush(); }, 10000);
setInterval(() => { if (socket.connected) socket.emit("heartbeat", {}); }, 60000);

textarea.value = load(draftKey, "") || "";
updateCounter();
applyState(state);

// Reloaded with no network, the page still opens with its pending notes: a service
// worker (sw.js) keeps a copy of it and its files. Registered once the page is
// connected and settled, so it never competes with the first load. Browsers allow
// service workers only on HTTPS (and localhost), not on a plain-HTTP room network.
function keepForOffline() {
  const path = new URL(import.meta.url).pathname;
  if (!("serviceWorker" in navigator) || !path.startsWith("/assets/")) return;
  const firstVisit = !navigator.serviceWorker.controller;
  navigator.serviceWorker.register(`/sw.js?v=${path.split("/")[2]}`, { scope: "/p/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      // Later visits go through the worker, which keeps them as they arrive.
      if (!firstVisit) return;
      const assets = [...document.querySelectorAll('link[href^="/assets/"], script[src^="/assets/"]')]
        .map((node) => node.href || node.src);
      registration.active.postMessage({ page: location.href, assets });
    })
    .catch(() => {});
}
socket.once("connect", () => setTimeout(keepForOffline, 2000));
