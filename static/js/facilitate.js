// The facilitator's console: move between stages, watch notes arrive.
import { NoteBoard, connectLive, readJSON, renderStage, request, t } from "./live.js";

let state = readJSON("live-state");
const board = new NoteBoard(document.getElementById("notes"), { emptyText: t("no_notes") });

function applyState(next) {
  state = next;
  renderStage(state);
  board.reset(state);
  const index = state.stage.index;
  document.getElementById("prev-stage").disabled = index === 0;
  document.getElementById("next-stage").disabled = index + 1 === state.stages.length;
  for (const button of document.querySelectorAll(".stage-button")) {
    const current = Number(button.dataset.stage) === index;
    button.closest("li").classList.toggle("current", current);
    if (current) button.setAttribute("aria-current", "step");
    else button.removeAttribute("aria-current");
  }
  for (const badge of document.querySelectorAll("[data-count-for]")) {
    badge.textContent = state.note_counts?.[badge.dataset.countFor] || "";
  }
  const hint = document.getElementById("stage-hint");
  hint.textContent = state.stage.kind === "write" ? "" : t("kind_" + state.stage.kind);
  showCounts();
}

function showCounts() {
  document.getElementById("participant-count").textContent =
    t("participants", { count: state.participant_count });
  document.getElementById("note-count").textContent = t("notes_count", { count: board.count() });
}

async function goTo(index) {
  const ack = await request(socket, "change_stage", { stage: index }).catch(() => null);
  if (ack && !ack.ok) window.alert(ack.message);
}

// Live buttons replace the no-JavaScript forms.
for (const button of document.querySelectorAll(".stage-button")) {
  button.addEventListener("click", (event) => {
    event.preventDefault();
    goTo(Number(button.dataset.stage));
  });
}
document.getElementById("prev-stage").addEventListener("click", () => goTo(state.stage.index - 1));
document.getElementById("next-stage").addEventListener("click", () => goTo(state.stage.index + 1));

const socket = connectLive({ workshop: state.workshop.id, audience: "facilitator" }, {
  state: applyState,
  note_added: ({ note }) => { board.upsert(note); showCounts(); },
  note_updated: ({ note }) => board.upsert(note),
  note_deleted: ({ note }) => { board.remove(note.id); showCounts(); },
  participants_changed: ({ count }) => { state.participant_count = count; showCounts(); },
});

applyState(state);
