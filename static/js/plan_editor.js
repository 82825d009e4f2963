// The plan editor: Move up / Move down reorder the stages on the page without a reload
// (the form posts the stages in the order of their hidden `row` fields, so moving the
// element is the whole reorder); without JavaScript the same buttons post and the page
// comes back reordered. Nothing is saved until «Save the plan».
const list = document.getElementById("plan-stages");
const unsaved = document.getElementById("unsaved");

function renumber() {
  const items = [...list.children];
  items.forEach((item, index) => {
    item.querySelector(".stage-number").textContent = String(index + 1);
    item.querySelector(".move-up").disabled = index === 0;
    item.querySelector(".move-down").disabled = index === items.length - 1;
  });
}

function move(item, up) {
  const other = up ? item.previousElementSibling : item.nextElementSibling;
  if (!other) return;
  if (up) list.insertBefore(item, other);
  else list.insertBefore(other, item);
  renumber();
  unsaved.hidden = false;
  // Keep the keyboard on the button just used, or on its twin when it became disabled.
  const same = item.querySelector(up ? ".move-up" : ".move-down");
  (same.disabled ? item.querySelector(up ? ".move-down" : ".move-up") : same).focus();
}

if (list) {
  list.addEventListener("click", (event) => {
    const button = event.target.closest(".move-up, .move-down");
    if (!button) return;
    event.preventDefault();
    move(button.closest(".plan-stage"), button.classList.contains("move-up"));
  });
}
