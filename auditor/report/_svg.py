"""Inline SVG charts for the HTML report: a daily rate against lines, a histogram with marks, bars over shaded bands.

Pure functions from numbers and already-worded labels to SVG text; the caller
escapes nothing, these functions escape every label. Coordinates are written
with one decimal, so the same numbers give the same bytes. Colours come from
the page's stylesheet through class names (``bar``, ``mark``, ``rule-line``,
``peer``, ``pt``, ``band``), so the print stylesheet can change them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.report.escape import terminal_safe

WIDTH = 720
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40  # plot margins: room for the y labels on the left, x labels below


def esc(text: object) -> str:
    return html.escape(terminal_safe(str(text)), quote=True)


def _n(x: float) -> str:
    """A coordinate, one decimal, never `-0.0`."""
    s = f"{x:.1f}"
    return "0.0" if s == "-0.0" else s


@dataclass(frozen=True)
class Line:
    """A horizontal line across a chart (a rule's threshold) or a vertical one (a time mark), with its label."""

    value: float
    label: str


@dataclass(frozen=True)
class Band:
    """A shaded span of the x axis (service hours), in x units."""

    start: float
    end: float


def _open(chart_id: str, kind: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart chart-{kind}" id="{esc(chart_id)}" role="img" aria-labelledby="{esc(chart_id)}-t {esc(chart_id)}-d" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
        f'<title id="{esc(chart_id)}-t">{esc(title)}</title>',
        f'<desc id="{esc(chart_id)}-d">{esc(desc)}</desc>',
    ]


def _plot() -> tuple[float, float, float, float]:
    return LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _axes(parts: list[str], y_ticks: Sequence[tuple[float, str]], to_y) -> None:  # type: ignore[no-untyped-def]
    x0, y0, w, h = _plot()
    for v, label in y_ticks:
        y = to_y(v)
        parts.append(f'<line class="grid" x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x0 + w)}" y2="{_n(y)}"/>')
        parts.append(f'<text class="tick" x="{_n(x0 - 6)}" y="{_n(y + 4)}" text-anchor="end">{esc(label)}</text>')
    parts.append(f'<line class="axis" x1="{_n(x0)}" y1="{_n(y0 + h)}" x2="{_n(x0 + w)}" y2="{_n(y0 + h)}"/>')
    parts.append(f'<line class="axis" x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x0)}" y2="{_n(y0 + h)}"/>')


def _count_ticks(top: int) -> list[tuple[float, str]]:
    """Round y ticks from 0 to at least ``top``, at most five steps."""
    if top <= 0:
        return [(0.0, "0")]
    step = 1
    while top / step > 4:
        for m in (2, 5, 10):
            if top / (step * m) <= 4:
                step *= m
                break
        else:
            step *= 10
    last = -(-top // step) * step
    return [(float(v), str(v)) for v in range(0, last + 1, step)]


def _sqrt_ticks(top: int) -> list[tuple[float, str]]:
    """Y ticks for a square-root scale up to ``top``: round counts, kept apart on the screen."""
    if top <= 0:
        return [(0.0, "0")]
    out = [(0.0, "0")]
    for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if v > top:
            break
        if (v / top) ** 0.5 - (out[-1][0] / top) ** 0.5 >= 0.15:
            out.append((float(v), str(v)))
    return out


def rate_chart(
    chart_id: str,
    title: str,
    desc: str,
    days: Sequence[str],
    values: dict[str, float],
    value_titles: dict[str, str],
    peers: dict[str, float],
    peer_label: str,
    lines: Sequence[Line],
) -> str:
    """A daily rate in [0, 1] over ``days``: a point per day with a figure, joined across adjacent days; the peer
    level as a dashed line; each rule's threshold as a horizontal line, labelled."""
    x0, y0, w, h = _plot()
    step = w / max(len(days), 1)

    def to_x(i: int) -> float:
        return x0 + step * (i + 0.5)

    def to_y(v: float) -> float:
        return y0 + h - max(0.0, min(1.0, v)) * h

    parts = _open(chart_id, "rate", title, desc)
    _axes(parts, [(v / 4, f"{v * 25}%") for v in range(5)], to_y)
    for i, d in enumerate(days):
        if i == 0 or i == len(days) - 1 or (i % 7 == 0 and len(days) - 1 - i >= 4):
            parts.append(f'<text class="tick" x="{_n(to_x(i))}" y="{_n(y0 + h + 16)}" text-anchor="middle">{esc(d[5:])}</text>')
    for line in lines:
        y = to_y(line.value)
        parts.append(f'<line class="rule-line" x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x0 + w)}" y2="{_n(y)}"/>')
        parts.append(f'<text class="rule-label" x="{_n(x0 + w - 4)}" y="{_n(y - 4)}" text-anchor="end">{esc(line.label)}</text>')
    for cls, series, label in (("peer", peers, peer_label), ("series", values, "")):
        runs: list[list[tuple[float, float]]] = []
        last = -2
        for i, d in enumerate(days):
            if d not in series:
                continue
            if i != last + 1:
                runs.append([])
            runs[-1].append((to_x(i), to_y(series[d])))
            last = i
        for run in runs:
            if len(run) > 1:
                pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                parts.append(f'<polyline class="{cls}" points="{pts}"/>')
        if cls == "peer" and peers:
            for i, d in enumerate(days):
                if d in peers:
                    parts.append(
                        f'<circle class="peer-pt" cx="{_n(to_x(i))}" cy="{_n(to_y(peers[d]))}" r="2"><title>{esc(label)} {esc(d)}</title></circle>'
                    )
    for i, d in enumerate(days):
        if d in values:
            parts.append(
                f'<circle class="pt" cx="{_n(to_x(i))}" cy="{_n(to_y(values[d]))}" r="3.5"><title>{esc(value_titles.get(d, d))}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    chart_id: str,
    title: str,
    desc: str,
    counts: Sequence[int],
    bin_width: float,
    bar_titles: Sequence[str],
    x_ticks: Sequence[tuple[float, str]],
    marks: Sequence[Line],
) -> str:
    """Counts per fixed-width bin (the last bin is the overflow), a bar per non-empty bin; vertical marks at x values.

    Heights are on a square-root scale: replies are mostly fast, and a linear
    scale would flatten the small piles further out (a cut-off being gamed)
    against the first bins. The y ticks give the counts.
    """
    x0, y0, w, h = _plot()
    n = len(counts)
    step = w / max(n, 1)
    top = max(counts, default=0)
    ticks = _sqrt_ticks(top)
    scale_top = float(max(top, 1))

    def to_x(v: float) -> float:
        return x0 + min(v / bin_width, n) * step

    def to_y(v: float) -> float:
        return y0 + h - (v / scale_top) ** 0.5 * h

    parts = _open(chart_id, "latency", title, desc)
    _axes(parts, ticks, to_y)
    for k, (v, label) in enumerate(x_ticks):
        last = k == len(x_ticks) - 1  # the overflow label sits at the right edge, ending there
        x = x0 + w if last else to_x(v)
        parts.append(f'<text class="tick" x="{_n(x)}" y="{_n(y0 + h + 16)}" text-anchor="{"end" if last else "middle"}">{esc(label)}</text>')
    for i, c in enumerate(counts):
        if c <= 0:
            continue
        bar_h = max(y0 + h - to_y(c), 1.5)
        cls = "bar overflow" if i == n - 1 else "bar"
        parts.append(
            f'<rect class="{cls}" x="{_n(x0 + i * step + 0.5)}" y="{_n(y0 + h - bar_h)}" width="{_n(max(step - 1, 1))}" height="{_n(bar_h)}">'
            f"<title>{esc(bar_titles[i])}</title></rect>"
        )
    for k, m in enumerate(marks):
        x = to_x(m.value)
        parts.append(f'<line class="mark" x1="{_n(x)}" y1="{_n(y0)}" x2="{_n(x)}" y2="{_n(y0 + h)}"/>')
        parts.append(f'<text class="mark-label" x="{_n(x + 4)}" y="{_n(y0 + 12 + 14 * (k % 2))}">{esc(m.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def hour_bars(chart_id: str, title: str, desc: str, counts: Sequence[int], bar_titles: Sequence[str], bands: Sequence[Band], band_label: str) -> str:
    """Rounds per hour of day, a bar per hour with any; the service hours shaded behind them."""
    x0, y0, w, h = _plot()
    step = w / 24
    ticks = _count_ticks(max(counts, default=0))
    scale_top = max(ticks[-1][0], 1.0)
    parts = _open(chart_id, "hours", title, desc)
    for b in bands:
        parts.append(
            f'<rect class="band" x="{_n(x0 + b.start * step)}" y="{_n(y0)}" width="{_n((b.end - b.start) * step)}" height="{_n(h)}">'
            f"<title>{esc(band_label)}</title></rect>"
        )
    _axes(parts, ticks, lambda v: y0 + h - v / scale_top * h)
    for hour in range(0, 25, 3):
        parts.append(f'<text class="tick" x="{_n(x0 + hour * step)}" y="{_n(y0 + h + 16)}" text-anchor="middle">{hour:02d}</text>')
    for i, c in enumerate(counts):
        if c <= 0:
            continue
        bar_h = max(c / scale_top * h, 1.5)
        parts.append(
            f'<rect class="bar" x="{_n(x0 + i * step + 2)}" y="{_n(y0 + h - bar_h)}" width="{_n(step - 4)}" height="{_n(bar_h)}">'
            f"<title>{esc(bar_titles[i])}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)
