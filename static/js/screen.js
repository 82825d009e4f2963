// The projector: the prompt and the notes as they arrive, readable from the back.
import { NoteBoard, connectLive, readJSON, renderStage, t } from "./live.js";

let state = readJSON("live-state");
const token = readJSON("screen-token");
const board = new NoteBoard(document.getElementById("notes"));

function applyState(next) {
  state = next;
  renderStage(state);
  board.reset(state);
  showHint();
  document.getElementById("participant-count").textContent =
    t("participants", { count: state.participant_count });
}

function showHint() {
  const hint = document.getElementById("stage-hint");
  if (state.stage.private) hint.textContent = t("hidden_count", { count: state.note_count });
  else if (state.stage.kind !== "write") hint.textContent = t("kind_" + state.stage.kind);
  else hint.textContent = "";
}

connectLive({ workshop: state.workshop.id, audience: "screen", token }, {
  state: applyState,
  note_added: ({ note }) => board.upsert(note),
  note_updated: ({ note }) => board.upsert(note),
  note_deleted: ({ note }) => board.remove(note.id),
  participants_changed: ({ count }) => {
    document.getElementById("participant-count").textContent = t("participants", { count });
  },
});

applyState(state);
