// Shared by the phone, the facilitator console and the projector: the live
// connection, the note list and small DOM helpers. User text is only ever
// put in the page with textContent, never as HTML.
import { io } from "../vendor/socket.io-client/socket.io.esm.min.js";
import { translator } from "./strings.js";

export function readJSON(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

/** A translated string, with {name} placeholders filled in; counted strings
 * (`{count}`) in the plural form the page's language needs. */
const pageStrings = readJSON("live-strings") || {};
export const t = translator(pageStrings, document.documentElement.lang);

/** More translated strings, fetched when a page needs them (a phone's commit stage). */
export function addStrings(more) {
  Object.assign(pageStrings, more);
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Open the workshop's live connection; `handlers` maps server events to functions. */
export function connectLive(auth, handlers) {
  const socket = io("/live", {
    auth,
    // A WebSocket first saves the polling handshake's round trips (0.4 s each on a slow
    // link); where a proxy refuses WebSockets, long-polling is tried next.
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    timeout: 10000,
  });
  for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler);
  const status = document.getElementById("conn");
  const show = (state) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = t(state);
  };
  socket.on("connect", () => show("online"));
  socket.on("disconnect", () => show("offline"));
  socket.on("connect_error", () => show("offline"));
  // The phone knows before Socket.IO's heartbeat does: drop the dead connection at
  // once and reconnect as soon as the network is back, so the outbox goes out quickly.
  window.addEventListener("offline", () => { socket.disconnect(); show("offline"); });
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });
  return socket;
}

// The revision check lives in the pure module, where `node --test` covers it.
export { isStale, seen, takeClusters } from "./outbox.js";

/** Send an event and wait for its acknowledgement, or reject after `ms`. */
export function request(socket, event, payload, ms = 10000) {
  return socket.timeout(ms).emitWithAck(event, payload);
}

/** Draw one note as a list item. */
export function noteElement(note, stage, options = {}) {
  const item = el("li", "note" + (note.mine ? " mine" : "") + (options.pending ? " pending" : ""));
  item.dataset.id = note.id ?? "";
  if (note.id) spotMark(item, "note", note.id);
  item.dataset.clientId = note.client_id;
  const lane = (stage.lanes || []).find((l) => l.key === note.lane);
  if (lane) item.append(el("span", "note-lane", lane.label));
  item.append(el("p", "note-text", note.text));
  const meta = [];
  if (note.author) meta.push(note.author);
  if (note.edited) meta.push(t("edited"));
  if (options.pending) meta.push(t("pending"));
  if (meta.length) item.append(el("span", "note-author", meta.join(" · ")));
  return item;
}

/**
 * The notes of the current stage, kept by id and redrawn into a list.
 * `decorate(item, note)` lets a page add buttons (edit, delete); `newestFirst` puts
 * the latest note at the top (the projector, whose first page must show it).
 */
export class NoteBoard {
  constructor(list, { decorate, emptyText, newestFirst = false } = {}) {
    this.list = list;
    this.decorate = decorate;
    this.emptyText = emptyText;
    this.newestFirst = newestFirst;
    this.notes = new Map();
    this.pending = new Map();
    this.stage = null;
  }

  reset(state) {
    this.stage = state.stage;
    this.notes = new Map(state.notes.map((note) => [note.client_id, note]));
    this.render();
  }

  upsert(note) {
    if (!this.stage || note.stage !== this.stage.index) return;
    const known = this.notes.get(note.client_id);
    this.notes.set(note.client_id, { ...note, mine: note.mine || (known && known.mine) });
    this.pending.delete(note.client_id);
    this.render();
  }

  remove(noteId) {
    for (const [key, note] of this.notes) if (note.id === noteId) this.notes.delete(key);
    this.render();
  }

  setPending(items) {
    this.pending = new Map(items.filter((n) => this.stage && n.stage === this.stage.index)
      .filter((n) => !this.notes.has(n.client_id)).map((n) => [n.client_id, n]));
    this.render();
  }

  count() {
    return this.notes.size;
  }

  render() {
    const items = [];
    for (const note of this.notes.values()) {
      const item = noteElement(note, this.stage);
      if (this.decorate) this.decorate(item, note);
      items.push(item);
    }
    for (const note of this.pending.values()) {
      items.push(noteElement({ ...note, mine: true }, this.stage, { pending: true }));
    }
    if (this.newestFirst) items.reverse();
    if (!items.length && this.emptyText) items.push(el("li", "empty", this.emptyText));
    this.list.replaceChildren(...items);
  }
}

/** Stage heading shared by all pages. */
export function renderStage(state) {
  const stage = state.stage;
  const step = document.getElementById("stage-step");
  if (step) {
    const title = el("span", null, stage.title);
    title.id = "stage-title";
    step.replaceChildren(
      t("stage_of", { index: stage.index + 1, count: state.stages.length }) + " · ", title);
  }
  const prompt = document.getElementById("stage-prompt");
  if (prompt) prompt.textContent = stage.prompt;
  const second = document.getElementById("stage-prompt-second");
  if (second) {
    // The prompt in the workshop's second language (e.g. Guaraní), when the plan has it.
    second.textContent = stage.second ? stage.second.prompt : "";
    second.hidden = !(stage.second && stage.second.prompt);
    if (stage.second) second.lang = stage.second.language;
    else second.removeAttribute("lang");
  }
}

/** The challenge question at the top of the page (hidden when the workshop has none). */
export function renderQuestion(state) {
  const node = document.getElementById("question");
  if (!node) return;
  const question = state.workshop.question || "";
  node.textContent = question;
  node.hidden = !question;
}

// What is in the spotlight ("note:12", "cluster:3"), so every list drawn later marks it.
let spotlightKey = null;

/** Mark a drawn item as a group or note that may be in the spotlight. */
export function spotMark(node, type, id) {
  node.dataset.spot = `${type}:${id}`;
  node.classList.toggle("spotlit", node.dataset.spot === spotlightKey);
  return node;
}

/** The spotlight banner (`#spotlight`, `#spotlight-text`) and the marks in every list. */
export function renderSpotlight(state) {
  const spot = state.spotlight || null;
  spotlightKey = spot ? `${spot.type}:${spot.id}` : null;
  const box = document.getElementById("spotlight") || document.getElementById("spotlight-bar");
  if (box) box.hidden = !spot;
  const text = document.getElementById("spotlight-text");
  if (text) text.textContent = spot ? spot.text : "";
  for (const node of document.querySelectorAll("[data-spot]")) {
    node.classList.toggle("spotlit", node.dataset.spot === spotlightKey);
  }
}

/** A note left the room (deleted): if it was in the spotlight, the spotlight goes too. */
export function dropFromSpotlight(state, type, id) {
  if (state.spotlight && state.spotlight.type === type && state.spotlight.id === id) {
    state.spotlight = null;
    renderSpotlight(state);
  }
}

/** A note was edited: the banner shows its new text if it is in the spotlight. */
export function updateSpotlightNote(state, note) {
  if (state.spotlight && state.spotlight.type === "note" && state.spotlight.id === note.id) {
    state.spotlight.text = note.text;
    renderSpotlight(state);
  }
}
