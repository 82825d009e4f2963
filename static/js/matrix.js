// The 2×2 matrix drawn as SVG: each idea at the mean of its ratings, a cross
// showing the spread (one standard deviation each way), and every individual
// rating as a faint dot, so disagreement is visible. Labels use textContent.
const NS = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * items: [{id, title, x, y, x_spread, y_spread, points: [[x, y]], count}]
 * labels: {x, y, quick_win, major_project, fill_in, thankless, x_low, x_high, y_low, y_high}
 */
export function drawMatrix(items, labels, { size = 560, pad = 56, dot = 15, showPoints = true } = {}) {
  const inner = size - pad * 2;
  // Scores 1..5 sit in the middle of five equal bands, so 3 is the quadrant boundary.
  const position = (value, flip) => pad + ((flip ? 5.5 - value : value - 0.5) / 5) * inner;
  const root = svg("svg", { viewBox: `0 0 ${size} ${size}`, class: "matrix", role: "img" });
  root.append(svg("title", {}, `${labels.x} × ${labels.y}`));
  const mid = pad + inner / 2;
  const quadrants = [
    [pad, pad, labels.fill_in], [mid, pad, labels.quick_win],
    [pad, mid, labels.thankless], [mid, mid, labels.major_project],
  ];
  quadrants.forEach(([qx, qy, name], index) => {
    root.append(svg("rect", { x: qx, y: qy, width: inner / 2, height: inner / 2,
      class: `quadrant q${index}` }));
    root.append(svg("text", { x: qx + 8, y: qy + 8, class: "quadrant-label", "dominant-baseline": "hanging" },
      name));
  });
  // Both axis labels hang from the edge of the drawing inwards, so no size of type cuts them.
  root.append(svg("text", { x: mid, y: size - 8, class: "axis-label", "text-anchor": "middle" },
    `${labels.x} →`));
  const yLabel = svg("text", { x: 8, y: mid, class: "axis-label", "text-anchor": "middle",
    "dominant-baseline": "hanging", transform: `rotate(-90 8 ${mid})` }, `${labels.y} →`);
  root.append(yLabel);
  items.forEach((item, index) => {
    if (item.x === null || item.x === undefined) return;
    const group = svg("g", { class: "idea" });
    if (showPoints) {
      for (const [px, py] of item.points || []) {
        group.append(svg("circle", { cx: position(px), cy: position(py, true), r: 4, class: "point" }));
      }
    }
    const cx = position(item.x);
    const cy = position(item.y, true);
    const sx = (item.x_spread / 5) * inner;
    const sy = (item.y_spread / 5) * inner;
    group.append(svg("line", { x1: cx - sx, x2: cx + sx, y1: cy, y2: cy, class: "spread" }));
    group.append(svg("line", { x1: cx, x2: cx, y1: cy - sy, y2: cy + sy, class: "spread" }));
    group.append(svg("circle", { cx, cy, r: dot, class: "mean" }));
    group.append(svg("text", { x: cx, y: cy, "text-anchor": "middle", "dominant-baseline": "central",
      class: "mean-number" },
      String(index + 1)));
    group.append(svg("title", {}, `${item.title}: ${item.x} / ${item.y} (n=${item.count})`));
    root.append(group);
  });
  return root;
}

/** The legend beside the matrix: number → idea, with its means and spread. */
export function matrixLegend(items, el, t) {
  const list = el("ol", "matrix-legend");
  items.forEach((item) => {
    const row = el("li", null, item.title);
    const detail = item.x === null || item.x === undefined
      ? t("not_rated")
      : `${item.x} / ${item.y} · ±${item.x_spread} / ±${item.y_spread} · n=${item.count}`;
    row.append(el("span", "muted", ` — ${detail}`));
    list.append(row);
  });
  return list;
}
