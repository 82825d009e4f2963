"""Server-side SVG charts for the printed report: the 2×2 matrix and the dot bar chart.

Each function returns a complete `<svg>` element as Markup, ready to be placed
inline in the print HTML (no data: URLs, nothing for the PDF renderer to fetch).
Every piece of text goes through `markupsafe.escape`, numbers are formatted here,
and positions are computed here: a title typed by a participant can never become
markup. Ideas are labelled with their rank (`idea_labels`: "2", or "2a"/"2b" for a
tie) and the report prints a legend next to each chart with the same labels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

FONT = "DejaVu Sans, sans-serif"
SCALE = (1, 5)  # ratings go from 1 to 5; 3 is the boundary between quadrants
INK, MUTED, LINE, ACCENT = "#1d2330", "#5b6475", "#c3c8d2", "#0b6e4f"
QUADRANT_FILLS = {
    "quick_win": "#e3f1ea",
    "major_project": "#e6edf6",
    "fill_in": "#f6f2e2",
    "thankless": "#f4e6e4",
}


def idea_labels(ideas: Sequence[Mapping[str, Any]]) -> dict[tuple[str, int], str]:
    """A short, unique label per idea: its rank, with a letter when several share it."""
    by_rank: dict[int, list[Mapping[str, Any]]] = {}
    for idea in ideas:
        by_rank.setdefault(int(idea["rank"]), []).append(idea)
    labels: dict[tuple[str, int], str] = {}
    for rank, group in by_rank.items():
        for position, idea in enumerate(group):
            suffix = _letters(position) if len(group) > 1 else ""
            labels[(idea["type"], idea["id"])] = f"{rank}{suffix}"
    return labels


def _letters(position: int) -> str:
    """0 → a, 25 → z, 26 → aa …"""
    text = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        text = chr(ord("a") + remainder) + text
    return text


def _number(value: float) -> str:
    """A coordinate: short, locale-free, never an exponent."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attributes(attributes: Mapping[str, Any]) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _number(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"')
    return "".join(parts)


def _element(tag: str, text: Any = None, **attributes: Any) -> str:
    if text is None:
        return f"<{tag}{_attributes(attributes)}/>"
    return f"<{tag}{_attributes(attributes)}>{escape(text)}</{tag}>"


def _svg(width: float, height: float, title: str, body: Iterable[str], css_class: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img"'
        f' viewBox="0 0 {_number(width)} {_number(height)}"'
        f' width="{_number(width)}" height="{_number(height)}"'
        f' font-family="{FONT}" font-size="10" fill="{INK}">'
    )
    # Safe: every attribute value and text node above went through escape().
    return Markup(head + _element("title", title) + "".join(body) + "</svg>")  # noqa: S704


def _truncate(text: str, length: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def matrix_svg(
    ideas: Sequence[Mapping[str, Any]],
    axes_labels: Sequence[str],
    quadrant_labels: Mapping[str, str],
    size: int = 480,
) -> Markup:
    """The impact × feasibility matrix: each rated idea at its means, with its spread.

    `ideas` are report ideas (`impact`, `feasibility`, `*_spread`, `rank`, `type`,
    `id`); unrated ones are left out. `axes_labels` is (first axis, second axis);
    `quadrant_labels` maps quick_win, major_project, fill_in, thankless to words.
    A circle marks the mean and carries the idea's label; the cross around it is
    one standard deviation each way, so disagreement stays visible. Circles that
    would overlap are moved aside and joined to their true place by a thin line.
    """
    x_label, y_label = (list(axes_labels) + ["", ""])[:2]
    pad_left, pad_bottom, pad_top, pad_right = 52, 46, 10, 10
    inner = size - pad_left - pad_right
    height = pad_top + inner + pad_bottom
    low, high = SCALE
    steps = high - low + 1

    def px(value: float) -> float:  # scores sit in the middle of equal bands: 3 is the centre
        return pad_left + (value - low + 0.5) / steps * inner

    def py(value: float) -> float:
        return pad_top + (high - value + 0.5) / steps * inner

    half = inner / 2
    mid_x, mid_y = pad_left + half, pad_top + half
    body: list[str] = []
    corners = [
        (pad_left, pad_top, "fill_in"),
        (mid_x, pad_top, "quick_win"),
        (pad_left, mid_y, "thankless"),
        (mid_x, mid_y, "major_project"),
    ]
    for qx, qy, name in corners:
        body.append(
            _element("rect", x=float(qx), y=float(qy), width=half, height=half, fill=QUADRANT_FILLS[name])
        )
    # Quadrant names sit in the outer corners, where means are rarest (scores stop at 1 and 5).
    label_places = {
        "fill_in": (pad_left + 5.0, pad_top + 12.0, "start"),
        "quick_win": (pad_left + inner - 5.0, pad_top + 12.0, "end"),
        "thankless": (pad_left + 5.0, pad_top + inner - 5.0, "start"),
        "major_project": (pad_left + inner - 5.0, pad_top + inner - 5.0, "end"),
    }
    for name, (qx, qy, anchor) in label_places.items():
        body.append(
            _element(
                "text",
                quadrant_labels.get(name, name),
                x=qx,
                y=qy,
                text_anchor=anchor,
                font_size="8.5",
                font_weight="bold",
                fill=MUTED,
            )
        )
    body.append(
        _element(
            "rect",
            x=float(pad_left),
            y=float(pad_top),
            width=float(inner),
            height=float(inner),
            fill="none",
            stroke=LINE,
        )
    )
    body.append(
        _element(
            "line",
            x1=mid_x,
            x2=mid_x,
            y1=float(pad_top),
            y2=pad_top + float(inner),
            stroke=MUTED,
            stroke_width="0.8",
        )
    )
    body.append(
        _element(
            "line",
            x1=float(pad_left),
            x2=pad_left + float(inner),
            y1=mid_y,
            y2=mid_y,
            stroke=MUTED,
            stroke_width="0.8",
        )
    )
    for score in range(low, high + 1):
        body.append(
            _element(
                "text",
                str(score),
                x=px(score),
                y=pad_top + inner + 13.0,
                text_anchor="middle",
                font_size="8",
                fill=MUTED,
            )
        )
        body.append(
            _element(
                "text",
                str(score),
                x=pad_left - 6.0,
                y=py(score) + 3.0,
                text_anchor="end",
                font_size="8",
                fill=MUTED,
            )
        )
    body.append(
        _element(
            "text",
            f"{_truncate(x_label, 70)} →",
            x=mid_x,
            y=pad_top + inner + 32.0,
            text_anchor="middle",
            font_size="9.5",
        )
    )
    label_x = 16.0
    body.append(
        _element(
            "text",
            f"{_truncate(y_label, 70)} →",
            x=label_x,
            y=mid_y,
            text_anchor="middle",
            font_size="9.5",
            transform=f"rotate(-90 {_number(label_x)} {_number(mid_y)})",
        )
    )

    labels = idea_labels(ideas)
    rated = [idea for idea in ideas if idea.get("impact") is not None and idea.get("feasibility") is not None]
    crowded = len(rated) > 12
    spread_style = {
        "stroke": ACCENT,
        "stroke_opacity": "0.3" if crowded else "0.5",
        "stroke_width": "0.8" if crowded else "1.2",
    }
    radius = 8.0
    placed: list[tuple[float, float]] = []
    spreads: list[str] = []
    leaders: list[str] = []
    markers: list[str] = []
    for idea in rated:
        cx, cy = px(float(idea["impact"])), py(float(idea["feasibility"]))
        sx = float(idea.get("impact_spread") or 0) / steps * inner
        sy = float(idea.get("feasibility_spread") or 0) / steps * inner
        if sx:
            spreads.append(_element("line", x1=cx - sx, x2=cx + sx, y1=cy, y2=cy, **spread_style))
        if sy:
            spreads.append(_element("line", x1=cx, x2=cx, y1=cy - sy, y2=cy + sy, **spread_style))
        lx, ly = _free_spot(
            cx,
            cy,
            placed,
            radius * 2 + 1,
            pad_left + radius,
            pad_left + inner - radius,
            pad_top + radius,
            pad_top + inner - radius,
        )
        placed.append((lx, ly))
        label = labels[(idea["type"], idea["id"])]
        if (lx, ly) != (cx, cy):
            leaders.append(_element("line", x1=cx, y1=cy, x2=lx, y2=ly, stroke=INK, stroke_width="0.6"))
            leaders.append(_element("circle", cx=cx, cy=cy, r="1.6", fill=INK))
        markers.append(
            _element("circle", cx=lx, cy=ly, r=radius, fill=ACCENT, stroke="#fff", stroke_width="1")
        )
        markers.append(
            _element(
                "text",
                label,
                x=lx,
                y=ly + 3.2,
                text_anchor="middle",
                font_size="8.5" if len(label) < 3 else "7",
                font_weight="bold",
                fill="#fff",
            )
        )
    body += spreads + leaders
    title = f"{x_label} × {y_label}"
    return _svg(size, height, title, body + markers, "chart matrix")


def _free_spot(
    x: float,
    y: float,
    placed: list[tuple[float, float]],
    distance: float,
    left: float,
    right: float,
    top: float,
    bottom: float,
) -> tuple[float, float]:
    """The nearest point to (x, y) on a spiral that keeps `distance` from every placed marker."""
    x, y = min(max(x, left), right), min(max(y, top), bottom)

    def free(px: float, py: float) -> bool:
        return all((px - qx) ** 2 + (py - qy) ** 2 >= distance**2 for qx, qy in placed)

    if free(x, y):
        return x, y
    for step in range(1, 400):
        angle = step * 0.9
        reach = distance * (0.6 + step * 0.06)
        cx = min(max(x + reach * math.cos(angle), left), right)
        cy = min(max(y + reach * math.sin(angle), top), bottom)
        if free(cx, cy):
            return cx, cy
    return x, y  # pragma: no cover - a crowded chart keeps the true place


def dots_bar_svg(
    ideas: Sequence[Mapping[str, Any]], width: int = 620, title_length: int = 52, title: str = "dots"
) -> Markup:
    """Dots per idea as horizontal bars, in rank order, each bar labelled with its count.

    Each row starts with the idea's label (see `idea_labels`) and a shortened
    title; the full titles are in the legend and the ranked table.
    """
    labels = idea_labels(ideas)
    count = len(ideas)
    row = 16.0 if count <= 20 else 13.0
    label_width = 8.0 + title_length * 5.0
    bar_left = 26.0 + label_width
    bar_room = width - bar_left - 30.0
    top = 6.0
    height = top + max(count, 1) * row + 22.0
    most = max([int(idea.get("dots") or 0) for idea in ideas] + [1])
    ticks = _ticks(most)
    body: list[str] = []
    for tick in ticks:
        x = bar_left + tick / most * bar_room
        body.append(
            _element("line", x1=x, x2=x, y1=top, y2=top + count * row, stroke=LINE, stroke_width="0.6")
        )
        body.append(
            _element(
                "text",
                str(tick),
                x=x,
                y=top + count * row + 11.0,
                text_anchor="middle",
                font_size="7.5",
                fill=MUTED,
            )
        )
    for index, idea in enumerate(ideas):
        y = top + index * row
        dots = int(idea.get("dots") or 0)
        body.append(
            _element(
                "text",
                labels[(idea["type"], idea["id"])],
                x=20.0,
                y=y + row * 0.7,
                text_anchor="end",
                font_size="8.5",
                font_weight="bold",
            )
        )
        body.append(
            _element(
                "text",
                _truncate(idea.get("title") or "", title_length),
                x=26.0,
                y=y + row * 0.7,
                font_size="8.5",
            )
        )
        bar = dots / most * bar_room
        if bar:
            body.append(_element("rect", x=bar_left, y=y + 2.5, width=bar, height=row - 5.0, fill=ACCENT))
        body.append(
            _element("text", str(dots), x=bar_left + bar + 4.0, y=y + row * 0.7, font_size="8", fill=INK)
        )
    if not ideas:
        body.append(_element("text", "–", x=bar_left, y=top + row * 0.7, fill=MUTED))
    return _svg(width, height, title, body, "chart dots")


def _ticks(most: int) -> list[int]:
    """Round grid values from 0 to `most`, about five of them."""
    step = max(1, math.ceil(most / 5))
    for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if nice >= step:
            step = nice
            break
    return list(range(0, most + 1, step))
