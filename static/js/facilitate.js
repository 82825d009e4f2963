// The facilitator's console: stages, timer, reveal and lock, moderation,
// clustering (mouse, drag and keyboard), the vote, the 2×2 matrix, the ranking
// and participation counts. Every action is a Socket.IO command; the server
// answers with an acknowledgement and broadcasts the new state to everyone.
import {
  NoteBoard, connectLive, dropFromSpotlight, isStale, seen, takeClusters, el, readJSON, renderQuestion,
  renderSpotlight, renderStage, request, spotMark, t, updateSpotlightNote,
} from "./live.js";
import { drawMatrix, matrixLegend } from "./matrix.js";
import { Countdown } from "./timer.js";
import { byIdea, commitmentElement, commitmentForm, newClientId } from "./commitments.js";

let state = readJSON("live-state");
const $ = (id) => document.getElementById(id);
const notesList = $("notes");
const boardSection = $("board");
const countdown = new Countdown($("timer"));
const selected = new Set();
const board = new NoteBoard(notesList, { emptyText: t("no_notes"), decorate: moderationTools });

async function send(event, payload = {}) {
  const ack = await request(socket, event, payload).catch(() => ({ ok: false, message: t("offline") }));
  if (!ack.ok) window.alert(ack.message);
  return ack;
}

function button(label, onClick, className = "small-button") {
  const node = el("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

// --- Spotlight -----------------------------------------------------------------

function inSpotlight(type, id) {
  return Boolean(state.spotlight && state.spotlight.type === type && state.spotlight.id === id);
}

/** Put a group or note in the spotlight for the room, or release it if it is there. */
function spotlightButton(type, id) {
  const on = inSpotlight(type, id);
  const node = button(on ? t("release_spotlight") : t("spotlight"),
    () => (on ? send("release_spotlight") : send("spotlight", { type, id })), "small-button spot-button");
  node.setAttribute("aria-pressed", String(on));
  return node;
}

// --- Write stages: moderation -------------------------------------------------

function moderationTools(item, note) {
  if (note.hidden) {
    item.classList.add("is-hidden");
    item.append(el("span", "note-author", t("hidden")));
  }
  const tools = el("span", "note-tools");
  if (!note.hidden) tools.append(spotlightButton("note", note.id));
  tools.append(
    button(note.hidden ? t("restore") : t("hide"),
      () => send("hide_note", { note_id: note.id, hidden: !note.hidden })),
    button(t("edit"), () => {
      const text = window.prompt(t("correct_note"), note.text);
      if (text !== null && text !== note.text) send("moderate_note", { note_id: note.id, text });
    }),
    button(t("delete"), () => {
      if (window.confirm(t("confirm_delete"))) send("moderate_note", { note_id: note.id, delete: true });
    }, "small-button danger"),
  );
  item.append(tools);
}

// --- Clustering ----------------------------------------------------------------

function noteChip(note) {
  const item = spotMark(el("li", "note pickable"), "note", note.id);
  item.draggable = true;
  item.dataset.id = note.id;
  const label = el("label", "pick");
  const box = el("input");
  box.type = "checkbox";
  box.id = `pick-${note.id}`; // an id keeps the keyboard on it across a redraw (renderStage)
  box.checked = selected.has(note.id);
  box.addEventListener("change", () => {
    if (box.checked) selected.add(note.id); else selected.delete(note.id);
    item.classList.toggle("picked", box.checked);
  });
  item.classList.toggle("picked", box.checked);
  label.append(box, el("span", "note-text", note.text));
  item.append(label);
  item.addEventListener("dragstart", (event) => {
    const ids = selected.has(note.id) ? [...selected] : [note.id];
    event.dataTransfer.setData("application/json", JSON.stringify(ids));
    event.dataTransfer.effectAllowed = "move";
  });
  return item;
}

function dropTarget(node, onDrop) {
  node.addEventListener("dragover", (event) => { event.preventDefault(); node.classList.add("drop"); });
  node.addEventListener("dragleave", () => node.classList.remove("drop"));
  node.addEventListener("drop", (event) => {
    event.preventDefault();
    node.classList.remove("drop");
    const ids = JSON.parse(event.dataTransfer.getData("application/json") || "[]");
    if (ids.length) onDrop(ids);
  });
}

function chosenNotes() {
  if (!selected.size) { window.alert(t("select_notes_first")); return null; }
  return [...selected];
}

async function clusterAction(event, payload) {
  const ack = await send(event, payload);
  // Forget only what was sent: the facilitator may already be selecting the next notes
  // while this answer travels back.
  if (ack.ok) for (const id of payload.note_ids || []) selected.delete(id);
  // The new groups may have been drawn before this answer came (the broadcast often
  // wins the race), with the sent notes still ticked: the boxes follow the selection.
  syncSelection();
  return ack;
}

/** Ticked boxes and marked notes show exactly what `selected` holds. */
function syncSelection() {
  for (const item of boardSection.querySelectorAll(".note.pickable")) {
    const on = selected.has(Number(item.dataset.id));
    const box = item.querySelector("input[type=checkbox]");
    if (box) box.checked = on;
    item.classList.toggle("picked", on);
  }
}

let groupNameDraft = "";

function clusterToolbar(view) {
  const bar = el("div", "toolbar cluster-tools");
  const name = el("input");
  name.placeholder = t("group_name");
  name.maxLength = 120;
  name.id = "group-name";
  // The board is redrawn whenever the room changes (a phone arrives, a group is made):
  // what the facilitator is typing survives it.
  name.value = groupNameDraft;
  name.addEventListener("input", () => { groupNameDraft = name.value; });
  const group = async () => {
    const ids = chosenNotes();
    if (!ids) return;
    const ack = await clusterAction("group_notes", { note_ids: ids, title: name.value });
    if (ack.ok) {
      groupNameDraft = "";
      const current = document.getElementById("group-name");  // the board may have been redrawn
      if (current) current.value = "";
    }
  };
  name.addEventListener("keydown", (event) => { if (event.key === "Enter") group(); });
  const target = el("select");
  target.id = "add-target";
  target.setAttribute("aria-label", t("add_selected"));
  for (const cluster of view.clusters) {
    const option = el("option", null, cluster.title);
    option.value = cluster.id;
    target.append(option);
  }
  bar.append(name, button(t("group_selected"), group, "primary"));
  if (view.clusters.length) {
    bar.append(target, button(t("add_selected"), () => {
      const ids = chosenNotes();
      if (ids) clusterAction("add_to_cluster", { note_ids: ids, cluster_id: Number(target.value) });
    }));
  }
  bar.append(button(t("ungroup_selected"), () => {
    const ids = chosenNotes();
    if (ids) clusterAction("ungroup_notes", { note_ids: ids });
  }));
  bar.append(button(t("suggest_groups"), askForSuggestions));
  return bar;
}

// Suggested groups: computed by the server on request among the ungrouped notes; the
// facilitator accepts one (as it is or renamed) or ignores it. Nothing changes until then.
let suggestions = null;

async function askForSuggestions() {
  const ack = await send("suggest_groups");
  if (!ack.ok) return;
  suggestions = ack.suggestions;
  applyState(state);
}

function suggestionPanel(view, notesById, grouped) {
  // Keep only what is still loose: the board may have moved on since the suggestion.
  suggestions = suggestions
    .map((s) => ({ ...s, note_ids: s.note_ids.filter((id) => notesById.has(id) && !grouped.has(id)) }))
    .filter((s) => s.note_ids.length >= 2);
  const panel = el("section", "suggestions");
  panel.setAttribute("aria-label", t("suggestions"));
  const heading = el("h3", null, t("suggestions"));
  heading.append(button(t("hide"), () => { suggestions = null; applyState(state); }));
  panel.append(heading);
  if (!suggestions.length) panel.append(el("p", "hint", t("no_suggestions")));
  else panel.append(el("p", "hint", t("suggestion_hint")));
  for (const suggestion of suggestions) {
    const card = el("article", "suggestion");
    const title = el("input");
    title.value = suggestion.title;
    title.maxLength = 120;
    title.setAttribute("aria-label", t("group_name"));
    const list = el("ul", "notes");
    for (const id of suggestion.note_ids) list.append(el("li", "note", notesById.get(id).text));
    const accept = () => clusterAction("group_notes", { note_ids: suggestion.note_ids, title: title.value });
    const ignore = () => { suggestions = suggestions.filter((s) => s !== suggestion); applyState(state); };
    const tools = el("div", "note-tools");
    tools.append(button(t("accept"), accept, "primary"), button(t("ignore"), ignore));
    card.append(title, list, tools);
    panel.append(card);
  }
  return panel;
}

// The plan's mark for groups (e.g. "any unit could do it"): a checkbox on each card.
function markToggle(cluster) {
  const label = el("label", "group-mark");
  const box = el("input");
  box.type = "checkbox";
  box.checked = Boolean(cluster.marked);
  box.addEventListener("change", () => send("mark_cluster", { cluster_id: cluster.id, marked: box.checked }));
  label.append(box, document.createTextNode(` ${state.workshop.group_mark}`));
  return label;
}

function clusterCard(view, cluster, notesById) {
  const card = spotMark(el("article", "cluster-card"), "cluster", cluster.id);
  card.dataset.cluster = cluster.id;
  const title = el("h3", null, cluster.title);
  if (cluster.proposed) title.append(el("span", "badge", t("proposed")));
  card.append(title);
  if (state.workshop.group_mark) card.append(markToggle(cluster));
  const list = el("ul", "notes");
  for (const id of cluster.notes) if (notesById.has(id)) list.append(noteChip(notesById.get(id)));
  card.append(list);
  const tools = el("div", "note-tools");
  tools.append(spotlightButton("cluster", cluster.id), button(t("rename"), () => {
    const name = window.prompt(t("group_name"), cluster.title);
    if (name) send("rename_cluster", { cluster_id: cluster.id, title: name });
  }));
  const others = view.clusters.filter((c) => c.id !== cluster.id);
  if (others.length) {
    const merge = el("select");
    merge.setAttribute("aria-label", t("merge_into"));
    merge.append(el("option", null, t("merge_into")));
    for (const other of others) {
      const option = el("option", null, other.title);
      option.value = other.id;
      merge.append(option);
    }
    merge.addEventListener("change", () => {
      if (merge.value) send("merge_clusters", { source_id: cluster.id, target_id: Number(merge.value) });
    });
    tools.append(merge);
  }
  tools.append(button(t("dissolve"), () => send("dissolve_cluster", { cluster_id: cluster.id }),
    "small-button danger"));
  card.append(tools);
  dropTarget(card, (ids) => clusterAction("add_to_cluster", { note_ids: ids, cluster_id: cluster.id }));
  return card;
}

function clusterBoard(view) {
  const notesById = new Map(view.notes.map((note) => [note.id, note]));
  for (const id of [...selected]) if (!notesById.has(id)) selected.delete(id);
  const grouped = new Set(view.clusters.flatMap((c) => c.notes));
  const loose = el("section", "loose");
  loose.append(el("h3", null, `${t("ungrouped")} (${view.notes.length - grouped.size})`));
  const looseList = el("ul", "notes");
  for (const note of view.notes) if (!grouped.has(note.id)) looseList.append(noteChip(note));
  loose.append(looseList);
  dropTarget(loose, (ids) => clusterAction("ungroup_notes", { note_ids: ids }));
  const clusters = el("section", "clusters");
  if (!view.clusters.length) clusters.append(el("p", "hint", t("no_groups")));
  for (const cluster of view.clusters) clusters.append(clusterCard(view, cluster, notesById));
  const layout = el("div", "cluster-layout");
  layout.append(loose, clusters);
  const parts = [clusterToolbar(view)];
  if (suggestions) parts.push(suggestionPanel(view, notesById, grouped));
  return [...parts, layout];
}

// --- Vote and rating ---------------------------------------------------------------

function voteBoard(view) {
  const vote = view.vote;
  const parts = [el("p", "vote-header", t("voters_of", { count: vote.voters, total: state.participant_count }))];
  if (vote.closed) parts.push(el("p", "hint", t("vote_closed")));
  const list = el("ol", "vote-results");
  const options = vote.closed
    ? [...vote.candidates].sort((a, b) => (vote.totals[b.id] || 0) - (vote.totals[a.id] || 0))
    : vote.candidates;
  const top = vote.closed ? Math.max(1, ...Object.values(vote.totals)) : 1;
  for (const option of options) {
    const row = spotMark(el("li", null, option.title), option.type, option.id);
    row.append(" ", spotlightButton(option.type, option.id));
    if (vote.closed) {
      const count = vote.totals[option.id] || 0;
      const bar = el("span", "bar");
      bar.style.width = `${(count / top) * 100}%`;
      row.append(el("strong", "total", ` ${t("total_dots", { count })}`), bar);
    }
    list.append(row);
  }
  parts.push(list);
  return parts;
}

export function matrixLabels(view) {
  const [x, y] = view.stage.axes;
  return { x: x?.label || "x", y: y?.label || "y", quick_win: t("quick_win"),
    major_project: t("major_project"), fill_in: t("fill_in"), thankless: t("thankless") };
}

function rateBoard(view) {
  const items = view.rating.matrix || [];
  const wrap = el("div", "matrix-wrap");
  wrap.append(drawMatrix(items, matrixLabels(view)), matrixLegend(items, el, t));
  return [el("p", "vote-header", t("raters", { count: view.rating.raters })), wrap];
}

// --- Commitments: the room's, under each idea; the facilitator adds, edits, withdraws ---

// Built once per stage and list of ideas, so a new state never wipes a form being typed.
let commitPanel = null;

function commitBoard(view) {
  const ideas = view.commit.ideas.map((idea) => `${idea.type}${idea.id}:${idea.title}`).join("|");
  const open = !view.locked && state.workshop.status !== "closed";
  const signature = `${view.stage.index}/${open}/${ideas}`;
  if (!commitPanel || commitPanel.signature !== signature) commitPanel = buildCommitPanel(view, signature, open);
  for (const { idea, items } of byIdea(view.commit)) {
    const list = commitPanel.lists.get(idea ? `${idea.type}:${idea.id}` : "other");
    if (list) list.replaceChildren(...items.map((commitment) => consoleCommitment(commitment, open)));
  }
  commitPanel.count.textContent = t("commit_count", { count: view.commit.commitments.length });
  if (!boardSection.contains(commitPanel.node)) boardSection.replaceChildren(commitPanel.node);
}

function buildCommitPanel(view, signature, open) {
  const node = el("div", "commit-panel");
  const count = el("p", "vote-header");
  const follow = el("a", "small", t("commit_follow_up"));
  follow.href = `/w/${state.workshop.id}/commitments`;
  const head = el("div", "commit-head");
  head.append(count, follow);
  node.append(head);
  if (!view.commit.ideas.length) node.append(el("p", "hint", t("commit_no_ideas")));
  const lists = new Map();
  const wall = el("div", "commit-wall");
  for (const { idea } of byIdea(view.commit)) {
    const card = el("article", "cluster-card commit-card");
    card.append(el("h3", null, idea ? idea.title : t("commit_other")));
    const list = el("ul", "commitments");
    lists.set(idea ? `${idea.type}:${idea.id}` : "other", list);
    card.append(list);
    if (open) {
      const details = el("details", "commit-add");
      details.append(el("summary", "small-button", idea ? t("commit_add_for") : t("commit_add_other")));
      let clientId = newClientId();
      details.append(commitmentForm({
        onSubmit: async (values) => {
          const ack = await request(socket, "add_commitment", {
            ...values, client_id: clientId, stage: view.stage.index,
            idea: idea ? { type: idea.type, id: idea.id } : null,
          });
          if (ack && ack.ok) { clientId = newClientId(); details.open = false; }
          return ack;
        },
      }));
      card.append(details);
    }
    wall.append(card);
  }
  node.append(wall);
  if (view.commit.earlier && view.commit.earlier.length) {
    node.append(el("h3", "subhead", t("commit_earlier")));
    const list = el("ul", "commitments earlier");
    for (const commitment of view.commit.earlier) {
      const item = commitmentElement(commitment);
      item.prepend(el("p", "small muted", commitment.workshop));
      list.append(item);
    }
    node.append(list);
  }
  return { signature, node, lists, count };
}

function consoleCommitment(commitment, open) {
  if (!open) return commitmentElement({ ...commitment, mine: false });
  const holder = { node: null };
  const controls = [
    button(t("edit"), () => {
      holder.node.replaceChildren(commitmentForm({
        values: commitment,
        submitText: t("save"),
        onCancel: () => commitBoard(state),
        onSubmit: (values) => request(socket, "edit_commitment", { ...values, commitment_id: commitment.id }),
      }));
    }),
    button(t("delete"), () => {
      if (window.confirm(t("commit_withdraw_confirm"))) send("delete_commitment", { commitment_id: commitment.id });
    }, "small-button danger"),
  ];
  holder.node = commitmentElement({ ...commitment, mine: false }, controls);
  return holder.node;
}

// --- Side panels -------------------------------------------------------------------

// The ranking opens by itself when it becomes the point (a vote closes, a rating or a
// commit stage starts) and otherwise stays as the facilitator left it.
let rankingMoment = false;

function isRankingMoment() {
  const kind = state.stage.kind;
  return Boolean((kind === "vote" && state.vote?.closed) || kind === "rate" || kind === "commit");
}

function renderRanking() {
  const box = $("ranking");
  const moment = isRankingMoment() && Boolean(state.ranking?.length);
  if (moment && !rankingMoment) $("ranking-panel").open = true;
  if (!moment && rankingMoment) $("ranking-panel").open = false;
  rankingMoment = moment;
  if (!state.ranking || !state.ranking.length) {
    box.replaceChildren(el("p", "hint", t("no_ranking")));
    return;
  }
  const table = el("table", "ranking");
  const head = el("tr");
  for (const label of [t("rank"), t("idea"), t("why"), t("decision")]) head.append(el("th", null, label));
  table.append(head);
  for (const entry of state.ranking) {
    const row = spotMark(el("tr", entry.decision ? `decided ${entry.decision}` : ""), entry.type, entry.id);
    const idea = el("td", null, entry.title);
    idea.append(" ", spotlightButton(entry.type, entry.id));
    const rank = entry.tied ? `${entry.rank} (${t("tie")})` : String(entry.rank);
    row.append(el("td", "rank", rank), idea, el("td", "muted", entry.reason));
    const choice = el("select");
    choice.setAttribute("aria-label", `${t("decision")}: ${entry.title}`);
    for (const [value, label] of [["", t("undecided")], ["selected", t("selected")], ["set_aside", t("set_aside")]]) {
      const option = el("option", null, label);
      option.value = value;
      option.selected = (entry.decision || "") === value;
      choice.append(option);
    }
    choice.addEventListener("change", () =>
      send("set_decision", { type: entry.type, id: entry.id, decision: choice.value || null }));
    const cell = el("td", "decision");
    cell.append(choice);
    row.append(cell);
    table.append(row);
  }
  box.replaceChildren(table);
}

function renderParticipation() {
  const data = state.participation;
  if (!data) return;
  const list = el("ul", "participation");
  list.append(el("li", null, t("online_count", { count: data.online })));
  for (const stage of data.stages) {
    if (stage.count === null) continue;
    const did = t({ write: "stage_posted", vote: "stage_voted", rate: "stage_rated" }[stage.kind],
      { count: stage.count });
    list.append(el("li", stage.index === state.stage.index ? "current" : "",
      `${stage.index + 1}. ${state.stages[stage.index].title}: ${did}`));
  }
  $("participation").replaceChildren(list);
}

async function showParticipants() {
  const list = $("participant-list");
  const ack = await send("participants");
  if (!ack.ok) return;
  list.hidden = false;
  list.replaceChildren(...ack.participants.map((person, index) => {
    const item = el("li", person.online ? "online" : "away");
    item.append(el("span", null, person.name || t("anonymous_participant", { number: index + 1 })),
      el("span", "muted", ` · ${person.online ? t("online_now") : t("away")} `),
      button(t("remove"), async () => {
        if (window.confirm(t("confirm_remove"))) {
          await send("remove_participant", { participant_id: person.id });
          showParticipants();
        }
      }, "small-button danger"));
    return item;
  }));
}

// --- Applying state ------------------------------------------------------------------

function renderTools() {
  const stage = state.stage;
  $("reveal").hidden = !(stage.private && !state.revealed);
  $("lock").textContent = state.locked ? t("unlock") : t("lock");
  $("lock").setAttribute("aria-pressed", String(Boolean(state.locked)));
  $("close-vote").hidden = stage.kind !== "vote";
  if (state.vote) $("close-vote").textContent = state.vote.closed ? t("reopen_vote") : t("close_vote");
  $("allow-review").checked = Boolean(state.workshop.review_allowed);
  const timer = state.timer;
  $("timer-pause").hidden = !(timer && timer.running);
  $("timer-resume").hidden = !(timer && !timer.running);
  $("timer-extend").hidden = $("timer-clear").hidden = !timer;
}

// The list of stages is drawn by the server; an edit of the plan (added, removed, moved
// or renamed stages) redraws it from the state, each item a copy of the first one
// (its form, with the CSRF token, still works without the script).
const stageList = $("stage-list");
const stageTemplate = stageList.querySelector("li")?.cloneNode(true);
const kindLabels = JSON.parse(stageList.dataset.kindLabels || "{}");

function renderStageList() {
  const wanted = state.stages.map((s) => `${s.kind}:${s.title}`);
  const drawn = [...stageList.querySelectorAll(".stage-button")].map((b) => b.dataset.signature);
  if (!stageTemplate || (drawn.length === wanted.length && drawn.every((sig, i) => sig === wanted[i]))) return;
  stageList.replaceChildren(...state.stages.map((s, i) => {
    const item = stageTemplate.cloneNode(true);
    item.querySelector("input[name=stage]").value = String(s.index);
    const stageButton = item.querySelector(".stage-button");
    stageButton.dataset.stage = String(s.index);
    stageButton.dataset.signature = wanted[i];
    stageButton.replaceChildren(el("span", `kind kind-${s.kind}`, kindLabels[s.kind] || s.kind), ` ${s.title} `);
    const badge = el("span", "stage-notes");
    badge.dataset.countFor = String(s.index);
    stageButton.append(badge);
    return item;
  }));
}

function applyState(next) {
  // Broadcasts sent from different server threads can arrive out of order: never
  // let an older state replace a newer one.
  if (isStale(state, next)) return;
  const stageChanged = !state || state.stage.index !== next.stage.index;
  state = next;
  if (stageChanged) suggestions = null;
  if (stageChanged && state.stage.minutes) $("timer-minutes").value = state.stage.minutes;
  renderStage(state);
  renderQuestion(state);
  $("no-question").hidden = Boolean(state.workshop.question);
  // Never pull the text from under the facilitator's fingers.
  if (document.activeElement !== $("question-text")) $("question-text").value = state.workshop.question || "";
  renderStageList();
  const index = state.stage.index;
  $("prev-stage").disabled = index === 0;
  $("next-stage").disabled = index + 1 === state.stages.length;
  for (const stageButton of document.querySelectorAll(".stage-button")) {
    const current = Number(stageButton.dataset.stage) === index;
    stageButton.closest("li").classList.toggle("current", current);
    if (current) stageButton.setAttribute("aria-current", "step");
    else stageButton.removeAttribute("aria-current");
  }
  showStageCounts();
  const kind = state.stage.kind;
  const draw = { cluster: clusterBoard, vote: voteBoard, rate: rateBoard }[kind];
  notesList.hidden = Boolean(draw) || kind === "commit";
  // Keep the keyboard where it was across the redraw (a field or a button with an id).
  const focused = boardSection.contains(document.activeElement) ? document.activeElement.id : "";
  if (kind === "commit" && state.commit) commitBoard(state);
  else boardSection.replaceChildren(...(draw ? draw(state) : []));
  if (focused) document.getElementById(focused)?.focus();
  board.reset(state);
  $("stage-hint").textContent = kind === "write" || kind === "commit" || draw ? "" : t("kind_" + kind);
  countdown.set(state.timer);
  renderTools();
  renderRanking();
  renderParticipation();
  showCounts();
  renderSpotlight(state);
}

/** How many notes each stage holds, beside its name in the list of stages. */
function showStageCounts() {
  for (const badge of document.querySelectorAll("[data-count-for]")) {
    badge.textContent = state.note_counts?.[badge.dataset.countFor] || "";
  }
}

function showCounts() {
  $("participant-count").textContent = t("participants", { count: state.participant_count });
  $("note-count").textContent = t("notes_count", { count: state.note_count });
  $("note-count").hidden = state.stage.kind === "commit"; // its panel counts commitments
}

/**
 * Private notes the move would leave hidden from the room: the stage being left, and the
 * stages the next one works on, while private, unrevealed and holding notes.
 */
function privateNotesOnTheWay(index) {
  const concerned = new Set([state.stage.index, ...(state.stages[index].sources || [])]);
  return state.stages.filter((s) => concerned.has(s.index) && s.private_pending
    && (state.note_counts?.[s.index] || 0) > 0);
}

/** Ask once, when moving on would keep private notes from the room: reveal, keep, or stay. */
function askAboutPrivateNotes(stages) {
  const dialog = $("reveal-dialog");
  $("reveal-dialog-text").textContent = t("reveal_on_move", { stages: stages.map((s) => s.title).join("», «") });
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue || "stay"), { once: true });
    dialog.showModal();
  });
}

async function goTo(index) {
  const pending = privateNotesOnTheWay(index);
  let reveal = false;
  if (pending.length) {
    const answer = await askAboutPrivateNotes(pending);
    if (answer === "stay") return;
    reveal = answer === "reveal";
  }
  await send("change_stage", { stage: index, reveal });
}

$("stage-list").addEventListener("click", (event) => {
  const stageButton = event.target.closest(".stage-button");
  if (!stageButton) return;
  event.preventDefault();
  goTo(Number(stageButton.dataset.stage));
});
$("prev-stage").addEventListener("click", () => goTo(state.stage.index - 1));
$("next-stage").addEventListener("click", () => goTo(state.stage.index + 1));
$("reveal").addEventListener("click", () => send("reveal_stage"));
$("lock").addEventListener("click", () => send("lock_stage", { locked: !state.locked }));
$("close-vote").addEventListener("click", () => send("close_vote", { closed: !state.vote.closed }));
$("allow-review").addEventListener("change", (event) =>
  send("allow_review", { allowed: event.target.checked }));
$("timer-start").addEventListener("click", () =>
  send("timer", { action: "start", seconds: Math.round(Number($("timer-minutes").value) * 60) }));
$("timer-pause").addEventListener("click", () => send("timer", { action: "pause" }));
$("timer-resume").addEventListener("click", () => send("timer", { action: "start" }));
$("timer-extend").addEventListener("click", () => send("timer", { action: "extend", seconds: 60 }));
$("timer-clear").addEventListener("click", () => send("timer", { action: "clear" }));
$("show-participants").addEventListener("click", showParticipants);
$("question-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const ack = await send("set_question", { question: $("question-text").value });
  if (ack.ok) $("question-edit").open = false;
});
$("spotlight-bar").addEventListener("submit", (event) => {
  event.preventDefault();
  send("release_spotlight");
});

const socket = connectLive({ workshop: state.workshop.id, audience: "facilitator" }, {
  state: applyState,
  clusters_changed: (payload) => {
    if (takeClusters(state, payload)) { state.spotlight = payload.spotlight; applyState(state); }
  },
  note_added: (payload) => {
    seen(state, payload);
    board.upsert(payload.note);
    if (payload.note.stage === state.stage.index) { state.note_count += 1; showCounts(); }
  },
  note_updated: (payload) => {
    seen(state, payload); board.upsert(payload.note); updateSpotlightNote(state, payload.note);
  },
  note_deleted: (payload) => {
    seen(state, payload);
    board.remove(payload.note.id);
    if (payload.note.stage === state.stage.index) { state.note_count = Math.max(0, state.note_count - 1); showCounts(); }
    dropFromSpotlight(state, "note", payload.note.id);
  },
  participants_changed: ({ count }) => { state.participant_count = count; showCounts(); },
  // Coalesced counts after phones arrive, leave, post or vote: the only refresh a writing
  // stage gets, so it carries the notes per stage too.
  presence: ({ participant_count: count, participation, note_counts: noteCounts }) => {
    state.participant_count = count;
    state.participation = participation;
    if (noteCounts) {
      state.note_counts = noteCounts;
      showStageCounts();
    }
    showCounts();
    renderParticipation();
  },
  timer: ({ stage, timer }) => {
    if (stage === state.stage.index) { state.timer = timer; countdown.set(timer); renderTools(); }
  },
  vote_progress: ({ voters }) => {
    if (state.vote) { state.vote.voters = voters; boardSection.replaceChildren(...voteBoard(state)); }
  },
  commitments_changed: (payload) => {
    if (!state.commit || payload.revision < state.revision) return;
    seen(state, payload);
    state.commit = { ...state.commit, ...payload };
    commitBoard(state);
  },
});

// A link to the management panel (after an import: …#lifecycle) opens it.
function openTargetPanel() {
  const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  const panel = target?.closest("details");
  if (panel) { panel.open = true; target.scrollIntoView(); }
}
window.addEventListener("hashchange", openTargetPanel);
openTargetPanel();

applyState(state);
