// The participant's phone: post notes to the current stage, edit or delete
// them, follow the facilitator. Nothing typed is lost: a note is kept in
// localStorage until the server acknowledges it is stored, and resent on
// every reconnection (the server stores each client id once).
import { NoteBoard, connectLive, el, readJSON, renderStage, request, t } from "./live.js";

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
  const stageChanged = !state || next.stage.index !== state.stage.index;
  state = next;
  const stage = state.stage;
  renderStage(state);
  form.hidden = stage.kind !== "write";
  form.querySelector("input[name=stage]").value = stage.index;
  if (stageChanged) renderLanes(stage);
  document.getElementById("private-hint").hidden = !stage.private;
  const hint = document.getElementById("stage-hint");
  hint.hidden = stage.kind === "write";
  hint.textContent = stage.kind === "discuss" ? t("no_input") : t("coming_later");
  for (const note of state.notes) if (mine.has(note.client_id)) note.mine = true;
  board.reset(state);
  board.setPending(outbox);
}

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
    if (next.stage.private) socket.emit("sync", {}, (ack) => ack && ack.ok && applyState(ack.state));
    flushOutbox();
  },
  note_added: ({ note }) => board.upsert(note),
  note_updated: ({ note }) => board.upsert(note),
  note_deleted: ({ note }) => board.remove(note.id),
});

window.addEventListener("online", () => flushOutbox());
setInterval(flushOutbox, 5000);

textarea.value = load(draftKey, "") || "";
updateCounter();
applyState(state);
