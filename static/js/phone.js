// The participant's phone: post notes to the current stage, edit or delete
// them, follow the facilitator. Nothing typed is lost: a note is kept in
// localStorage until the server acknowledges it is stored, and resent on
// every reconnection (the server stores each client id once).
import { NoteBoard, connectLive, isStale, seen, el, readJSON, renderStage, request, t } from "./live.js";
import { Countdown } from "./timer.js";

let state = readJSON("live-state");
const workshopId = state.workshop.id;
const outboxKey = `workshop:${workshopId}:outbox`;
const mineKey = `workshop:${workshopId}:mine`;
const draftKey = `workshop:${workshopId}:draft`;

const form = document.getElementById("compose");
const textarea = document.getElementById("note-text");
const counter = document.getElementById("counter");
const sendButton = document.getElementById("send");
const composeError = document.getElementById("compose-error");
const laneBox = document.getElementById("lanes");
const laneOptions = document.getElementById("lane-options");

function load(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
}
function store(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* storage full or blocked */ }
}

const outbox = load(outboxKey, []);
const mine = new Set(load(mineKey, []));

function rememberMine(clientId) {
  mine.add(clientId);
  store(mineKey, [...mine].slice(-1000));
}

function newClientId() {
  // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const board = new NoteBoard(document.getElementById("notes"), { decorate: addOwnerControls });
const boardSection = document.getElementById("board");
const countdown = new Countdown(document.getElementById("timer"));
const reviewBox = document.getElementById("review");
const reviewSelect = document.getElementById("review-stage");
let reviewing = false;

function addOwnerControls(item, note) {
  if (!note.mine && !mine.has(note.client_id)) return;
  item.classList.add("mine");
  if (note.stage !== state.stage.index || !note.id) return;
  const tools = el("span", "note-tools");
  const edit = el("button", "small-button", t("edit"));
  edit.type = "button";
  edit.addEventListener("click", () => startEdit(item, note));
  const remove = el("button", "small-button danger", t("delete"));
  remove.type = "button";
  remove.addEventListener("click", () => deleteNote(note));
  tools.append(edit, remove);
  item.append(tools);
}

function startEdit(item, note) {
  const box = el("textarea", "edit-box");
  box.value = note.text;
  box.maxLength = state.note_max_length;
  const save = el("button", "small-button primary", t("save"));
  const cancel = el("button", "small-button", t("cancel"));
  save.type = cancel.type = "button";
  const error = el("p", "error");
  cancel.addEventListener("click", () => board.render());
  save.addEventListener("click", async () => {
    try {
      const ack = await request(socket, "edit_note", { note_id: note.id, text: box.value });
      if (!ack.ok) { error.textContent = ack.message; return; }
      board.upsert(ack.note);
    } catch {
      error.textContent = t("offline");
    }
  });
  item.replaceChildren(box, el("span", "note-tools"), error);
  item.querySelector(".note-tools").append(save, cancel);
  box.focus();
}

async function deleteNote(note) {
  if (!window.confirm(t("confirm_delete"))) return;
  try {
    const ack = await request(socket, "delete_note", { note_id: note.id });
    if (ack.ok) board.remove(note.id);
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
  const stageChanged = !state || next.stage.index !== state.stage.index;
  state = next;
  const stage = state.stage;
  renderStage(state);
  form.hidden = stage.kind !== "write";
  form.querySelector("input[name=stage]").value = stage.index;
  if (stageChanged) renderLanes(stage);
  document.getElementById("private-hint").hidden = !stage.private;
  const hint = document.getElementById("stage-hint");
  hint.hidden = stage.kind !== "discuss";
  hint.textContent = stage.kind === "discuss" ? t("no_input") : t("coming_later");
  for (const note of state.notes) if (mine.has(note.client_id)) note.mine = true;
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
}

/** Draw a stage view: the current one, or an earlier one when looking back. */
function renderView(view) {
  const kind = view.stage.kind;
  const onBoard = kind === "cluster" || kind === "vote" || kind === "rate";
  document.getElementById("notes").hidden = onBoard;
  if (onBoard) {
    board.stage = view.stage;
    const draw = { cluster: clusterView, vote: voteView, rate: rateView }[kind];
    boardSection.replaceChildren(...draw(view));
  } else {
    boardSection.replaceChildren();
    board.reset(view);
    board.setPending(outbox);
  }
}

function noteTexts(view, ids) {
  const byId = new Map(view.notes.map((note) => [note.id, note]));
  return ids.map((id) => byId.get(id)).filter(Boolean);
}

function groupCard(view, title, notes, extra) {
  const card = el("article", "group-card");
  const heading = el("h3", null, title);
  card.append(heading);
  if (extra) card.append(extra);
  const list = el("ul", "group-notes");
  for (const note of notes) list.append(el("li", null, note.text));
  const details = el("details");
  details.append(el("summary", null, t("notes_in_group", { count: notes.length })), list);
  card.append(details);
  return card;
}

function clusterView(view) {
  const parts = [];
  const grouped = new Set();
  for (const cluster of view.clusters) {
    cluster.notes.forEach((id) => grouped.add(id));
    parts.push(groupCard(view, cluster.title, noteTexts(view, cluster.notes)));
  }
  if (!view.clusters.length) parts.push(el("p", "hint", t("no_groups")));
  const loose = view.notes.filter((note) => !grouped.has(note.id));
  if (loose.length) {
    parts.push(el("h3", "subhead", t("ungrouped")));
    const list = el("ul", "notes");
    const propose = view.stage.participants_propose && !reviewing && !view.locked;
    for (const note of loose) {
      const item = el("li", "note");
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
  const button = el("button", "primary", t("propose_group"));
  button.type = "button";
  const error = el("p", "error");
  button.addEventListener("click", async () => {
    const ids = [...list.querySelectorAll("input:checked")].map((box) => Number(box.value));
    if (!ids.length) { error.textContent = t("select_notes_first"); return; }
    const ack = await request(socket, "group_notes", { note_ids: ids, title: name.value })
      .catch(() => ({ ok: false, message: t("offline") }));
    if (!ack.ok) error.textContent = ack.message;
  });
  wrap.append(name, button, error);
  return wrap;
}

function dotsMeter(count, cap) {
  const meter = el("span", "dots-meter");
  meter.setAttribute("aria-label", t("dots_on", { count }));
  for (let i = 0; i < cap; i += 1) meter.append(el("span", i < count ? "dot on" : "dot", ""));
  return meter;
}

function voteView(view) {
  const vote = view.vote;
  const parts = [];
  const header = el("p", "vote-header");
  if (!vote.closed && vote.left !== undefined && !reviewing) {
    header.append(el("strong", "dots-left", t("dots_left", { count: vote.left })), " · ");
  }
  header.append(el("span", "voters", t("voters", { count: vote.voters })));
  parts.push(header);
  if (vote.closed) parts.push(el("p", "hint", t("vote_closed")));
  if (!vote.candidates.length) parts.push(el("p", "hint", t("no_options")));
  const options = vote.closed
    ? [...vote.candidates].sort((a, b) => (vote.totals[b.id] || 0) - (vote.totals[a.id] || 0))
    : vote.candidates;
  for (const option of options) {
    const mineOn = (vote.mine || {})[option.id] || 0;
    const controls = el("div", "vote-controls");
    if (vote.closed) {
      controls.append(el("strong", "total", t("total_dots", { count: vote.totals[option.id] || 0 })));
    } else if (!reviewing && vote.mine) {
      const minus = el("button", "round", "−");
      minus.type = "button";
      minus.setAttribute("aria-label", t("remove_dot"));
      minus.disabled = mineOn === 0 || view.locked;
      minus.addEventListener("click", () => voteAction("retract_dot", { target_id: option.id }));
      const plus = el("button", "round primary", "+");
      plus.type = "button";
      plus.setAttribute("aria-label", t("add_dot"));
      plus.disabled = mineOn >= vote.cap || vote.left === 0 || view.locked;
      plus.addEventListener("click", () =>
        voteAction("cast_dot", { target_id: option.id, client_id: newClientId() }));
      controls.append(minus, dotsMeter(mineOn, vote.cap), plus);
    }
    const card = groupCard(view, option.title, noteTexts(view, option.notes), controls);
    card.dataset.option = option.id;
    parts.push(card);
  }
  parts.push(el("p", "error board-error"));
  return parts;
}

async function voteAction(event, payload) {
  const ack = await request(socket, event, payload).catch(() => ({ ok: false, message: t("offline") }));
  if (ack.ok) {
    state.vote = ack.vote;
    renderView(state);
  } else {
    const error = boardSection.querySelector(".board-error");
    if (error) error.textContent = ack.message;
  }
}

function rateView(view) {
  const rating = view.rating;
  // The count of raters lives on the console and projector, which get it live.
  const parts = [];
  if (!rating.candidates.length) parts.push(el("p", "hint", t("no_options")));
  const mineAll = rating.mine || {};
  for (const option of rating.candidates) {
    const chosen = [...(mineAll[option.id] || [null, null])];
    const controls = el("div", "rate-controls");
    view.stage.axes.forEach((axis, axisIndex) => {
      const row = el("fieldset", "rate-row");
      row.append(el("legend", null, axis.label));
      for (let value = 1; value <= 5; value += 1) {
        const button = el("button", "scale", String(value));
        button.type = "button";
        button.setAttribute("aria-pressed", String(chosen[axisIndex] === value));
        button.disabled = reviewing || view.locked || !rating.mine;
        button.addEventListener("click", async () => {
          chosen[axisIndex] = value;
          row.querySelectorAll("button").forEach((b) =>
            b.setAttribute("aria-pressed", String(Number(b.textContent) === value)));
          if (chosen[0] && chosen[1]) {
            const ack = await request(socket, "rate", { target_id: option.id, x: chosen[0], y: chosen[1] })
              .catch(() => ({ ok: false, message: t("offline") }));
            if (ack.ok) { state.rating.mine = ack.mine; done.hidden = false; }
            else error.textContent = ack.message;
          }
        });
        row.append(button);
      }
      controls.append(row);
    });
    const done = el("span", "rated", "✓ " + t("rated"));
    done.hidden = !(chosen[0] && chosen[1]);
    const error = el("p", "error");
    controls.append(done, error);
    parts.push(groupCard(view, option.title, noteTexts(view, option.notes), controls));
  }
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

// Sending: the outbox is the source of truth until the server acknowledges.
let flushing = false;

async function flushOutbox() {
  if (flushing || !socket.connected) return;
  flushing = true;
  try {
    while (outbox.length && socket.connected) {
      const note = outbox[0];
      let ack;
      try {
        ack = await request(socket, "add_note", note);
      } catch {
        break; // no answer in time: keep it, retry on the next connection
      }
      if (ack.ok) {
        outbox.shift();
        store(outboxKey, outbox);
        board.upsert(ack.note);
      } else if (ack.error === "server") {
        break;
      } else {
        // Refused for good (too long, stage not open…): give the text back, never drop it.
        outbox.shift();
        store(outboxKey, outbox);
        board.setPending(outbox);
        showRefused(note, ack.message);
      }
    }
  } finally {
    flushing = false;
    board.setPending(outbox);
  }
}

function showRefused(note, message) {
  composeError.hidden = false;
  composeError.textContent = t("refused", { message });
  if (!textarea.value.trim()) textarea.value = note.text;
  updateCounter();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = textarea.value.trim();
  composeError.hidden = true;
  if (!text) return;
  if (text.length > state.note_max_length) { updateCounter(); return; }
  const lane = form.querySelector("input[name=lane]:checked")?.value || null;
  const note = { client_id: newClientId(), text, stage: state.stage.index, lane };
  rememberMine(note.client_id);
  outbox.push(note);
  store(outboxKey, outbox);
  textarea.value = "";
  store(draftKey, "");
  updateCounter();
  board.setPending(outbox);
  flushOutbox();
  textarea.focus();
});

textarea.addEventListener("input", () => {
  updateCounter();
  store(draftKey, textarea.value);
});

const socket = connectLive({ workshop: workshopId, audience: "participant" }, {
  state: (next) => {
    applyState(next);
    const personal = next.stage.private || next.stage.kind === "vote" || next.stage.kind === "rate";
    if (personal && !next.personal) {
      socket.emit("sync", {}, (ack) => ack && ack.ok && applyState(ack.state));
    }
    flushOutbox();
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
  note_added: (payload) => { seen(state, payload); board.upsert(payload.note); },
  note_updated: (payload) => { seen(state, payload); board.upsert(payload.note); },
  note_deleted: (payload) => { seen(state, payload); board.remove(payload.note.id); },
});

window.addEventListener("online", () => flushOutbox());
setInterval(flushOutbox, 5000);
setInterval(() => { if (socket.connected) socket.emit("heartbeat", {}); }, 60000);

textarea.value = load(draftKey, "") || "";
updateCounter();
applyState(state);
