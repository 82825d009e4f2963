// Commitments at a commit stage, shared by the phone, the console and the projector:
// a card per commitment and the form that makes or changes one. User text is only
// ever put in the page with textContent.
import { el, t } from "./live.js";

export function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One commitment: what, who (a role), by when, the indicator; `controls` appended. */
export function commitmentElement(commitment, controls = []) {
  const item = el("li", `commitment status-${commitment.status}`);
  item.dataset.id = commitment.id;
  item.append(el("p", "commitment-what", commitment.what));
  const facts = el("p", "commitment-facts small");
  facts.append(
    el("span", "who", t("commit_who_value", { who: commitment.who })), " · ",
    el("span", "due", t("commit_due_value", { date: commitment.due })));
  if (commitment.status !== "planned") facts.append(" · ", el("strong", null, commitment.status_label));
  item.append(facts);
  if (commitment.indicator) {
    item.append(el("p", "commitment-indicator small", t("commit_indicator_value", { indicator: commitment.indicator })));
  }
  if (commitment.mine) item.append(el("p", "commitment-mine small", t("commit_yours")));
  if (controls.length) {
    const bar = el("div", "commitment-controls");
    bar.append(...controls);
    item.append(bar);
  }
  return item;
}

function field(labelText, input, hint) {
  const label = el("label", "commit-field");
  label.append(el("span", "commit-label", labelText), input);
  if (hint) label.append(el("span", "hint small", hint));
  return label;
}

/**
 * A form for one commitment. `values` fills it (editing); `onSubmit(values, form)` gets
 * {what, who, due, indicator} and returns a promise of the server's ack; the form shows
 * the ack's message when it is refused. The client id is kept until the server accepted
 * it, so pressing again after a lost answer stores the commitment once.
 */
export function commitmentForm({ values = {}, submitText, onSubmit, onCancel }) {
  const form = el("form", "commit-form");
  form.noValidate = true;
  const what = el("textarea");
  what.name = "what"; what.rows = 2; what.maxLength = 300; what.required = true;
  what.value = values.what || "";
  what.placeholder = t("commit_what_placeholder");
  const who = el("input");
  who.name = "who"; who.maxLength = 120; who.required = true; who.value = values.who || "";
  who.placeholder = t("commit_who_placeholder");
  const due = el("input");
  due.name = "due"; due.type = "date"; due.required = true; due.value = values.due || "";
  const indicator = el("input");
  indicator.name = "indicator"; indicator.maxLength = 300; indicator.value = values.indicator || "";
  indicator.placeholder = t("commit_indicator_placeholder");
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  const send = el("button", "primary", submitText || t("commit_add"));
  send.type = "submit";
  const bar = el("div", "commit-bar");
  bar.append(send);
  if (onCancel) {
    const cancel = el("button", null, t("cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", onCancel);
    bar.append(cancel);
  }
  form.append(
    field(t("commit_what"), what),
    field(t("commit_who"), who, t("commit_who_hint")),
    field(t("commit_due"), due),
    field(t("commit_indicator"), indicator),
    bar, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!what.value.trim() || !who.value.trim() || !due.value) {
      error.hidden = false;
      error.textContent = t("commit_missing");
      return;
    }
    send.disabled = true;
    const ack = await onSubmit(
      { what: what.value, who: who.value, due: due.value, indicator: indicator.value }, form)
      .catch(() => ({ ok: false, message: t("offline") }));
    send.disabled = false;
    if (!ack || !ack.ok) {
      error.hidden = false;
      error.textContent = (ack && ack.message) || t("server_failed");
      return;
    }
    if (!values.what) form.reset();
  });
  return form;
}

/** The commitments grouped under the ideas they act on (and "other actions"). */
export function byIdea(view) {
  const groups = view.ideas.map((idea) => ({ idea, items: [] }));
  const other = { idea: null, items: [] };
  for (const commitment of view.commitments) {
    const group = commitment.idea
      ? groups.find((g) => g.idea.type === commitment.idea.type && g.idea.id === commitment.idea.id)
      : null;
    if (group) group.items.push(commitment);
    else other.items.push(commitment);
  }
  return [...groups, other];
}
