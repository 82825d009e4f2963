// A commit stage on the phone: a form per idea, and the room's commitments under each
// (the person's own with edit and withdraw). Loaded by phone.js only when a commit
// stage shows, so the phone's first load stays small.
import { addStrings, el, request, t } from "./live.js";
import { byIdea, commitmentElement, commitmentForm, newClientId } from "./commitments.js";

/** The stage's strings (fetched once, cached by the browser), then the stage itself. */
export async function loadCommitStage(deps) {
  const language = document.documentElement.lang === "en" ? "en" : "es";
  const response = await fetch(`/strings/commitments.${language}.json`);
  if (!response.ok) throw new Error(`strings: ${response.status}`);
  addStrings(await response.json());
  // Its styles too: a sibling of this module under the same fingerprinted folder.
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("../css/commitments.css", import.meta.url).href;
  document.head.append(style);
  return createCommitStage(deps);
}

/**
 * `deps`: board (the element to draw in), socket(), state(), reviewing(), own (a Set of
 * the person's commitment ids), redraw() and button(text, className, onClick).
 */
export function createCommitStage(deps) {
  // Built once per stage and list of ideas, so a broadcast never wipes what is being typed.
  let panel = null;

  const isOpen = (view) => !deps.reviewing() && !view.locked && deps.state().workshop.status !== "closed";
  const keyOf = (idea) => (idea ? `${idea.type}:${idea.id}` : "other");

  function signature(view) {
    const ideas = view.commit.ideas.map((idea) => `${idea.type}${idea.id}:${idea.title}`).join("|");
    return `${view.stage.index}/${isOpen(view)}/${ideas}`;
  }

  function upsert(commitment) {
    const state = deps.state();
    if (!state.commit) return;
    const list = state.commit.commitments;
    const index = list.findIndex((c) => c.id === commitment.id);
    if (index >= 0) list[index] = commitment; else list.push(commitment);
    deps.redraw();
  }

  function remove(commitmentId) {
    const state = deps.state();
    if (!state.commit) return;
    state.commit.commitments = state.commit.commitments.filter((c) => c.id !== commitmentId);
    deps.redraw();
  }

  function build(view) {
    const node = el("div", "commit-panel");
    const lists = new Map();
    const open = isOpen(view);
    if (!view.commit.ideas.length) node.append(el("p", "hint", t("commit_no_ideas")));
    for (const { idea } of byIdea(view.commit)) {
      const card = el("article", "group-card commit-card");
      card.append(el("h2", null, idea ? idea.title : t("commit_other")));
      const list = el("ul", "commitments");
      lists.set(keyOf(idea), list);
      card.append(list);
      if (open) {
        const details = el("details", "commit-add");
        details.append(el("summary", "button", idea ? t("commit_add_for") : t("commit_add_other")));
        // Kept until the server accepted it: pressing again after a lost answer stores it once.
        let clientId = newClientId();
        details.append(commitmentForm({
          onSubmit: async (values) => {
            const ack = await request(deps.socket(), "add_commitment", {
              ...values, client_id: clientId, stage: view.stage.index,
              idea: idea ? { type: idea.type, id: idea.id } : null,
            });
            if (ack && ack.ok) {
              clientId = newClientId();
              deps.own.add(ack.commitment.id);
              details.open = false;
              upsert(ack.commitment);
            }
            return ack;
          },
        }));
        card.append(details);
      }
      node.append(card);
    }
    return { signature: signature(view), node, lists };
  }

  function item(commitment, view) {
    const own = commitment.mine || deps.own.has(commitment.id);
    if (!own || !isOpen(view)) return commitmentElement({ ...commitment, mine: own });
    const holder = { node: null };
    const controls = [
      deps.button(t("edit"), "small-button", () => {
        holder.node.replaceChildren(commitmentForm({
          values: commitment,
          submitText: t("save"),
          onCancel: deps.redraw,
          onSubmit: async (values) => {
            const ack = await request(deps.socket(), "edit_commitment", { ...values, commitment_id: commitment.id });
            if (ack && ack.ok) upsert(ack.commitment);
            return ack;
          },
        }));
      }),
      deps.button(t("commit_withdraw"), "small-button danger", async () => {
        if (!window.confirm(t("commit_withdraw_confirm"))) return;
        const ack = await request(deps.socket(), "delete_commitment", { commitment_id: commitment.id })
          .catch(() => ({ ok: false, message: t("offline") }));
        if (ack.ok) remove(commitment.id);
        else window.alert(ack.message);
      }),
    ];
    holder.node = commitmentElement({ ...commitment, mine: true }, controls);
    return holder.node;
  }

  function render(view) {
    if (!panel || panel.signature !== signature(view)) panel = build(view);
    for (const { idea, items } of byIdea(view.commit)) {
      const list = panel.lists.get(keyOf(idea));
      if (list) list.replaceChildren(...items.map((commitment) => item(commitment, view)));
    }
    if (!deps.board.contains(panel.node)) deps.board.replaceChildren(panel.node);
  }

  return { render };
}
