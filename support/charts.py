"""
Bar charts drawn on the server, as inline SVG the templates write out: no script and
no style attribute (the CSP allows neither), only SVG's own attributes. Each chart is
followed on the page by a table of its numbers, which is what a screen reader reads.
"""

from dataclasses import dataclass, field

# Okabe and Ito's palette: told apart with the common colour-vision deficiencies.
COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"]

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 34


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Tick:
    x: float
    y: float
    text: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    axis_y: float = HEIGHT - BOTTOM
    left: int = LEFT
    right: int = WIDTH - RIGHT


def bar_chart(
    labels: list[str], series: list[tuple[str, list[float | None]]], *, stacked: bool = True
) -> Chart:
    """
    One group of bars per label: the series stacked (counts that add up) or side by
    side (e.g. p50 beside p90). A value of None draws nothing.
    """
    chart = Chart(legend=[(COLOURS[n % len(COLOURS)], name) for n, (name, _) in enumerate(series)])
    if not labels:
        return chart
    totals = [
        sum(values[i] or 0 for _, values in series)
        if stacked
        else max((values[i] or 0 for _, values in series), default=0)
        for i in range(len(labels))
    ]
    top = _nice(max(totals, default=0))
    steps = 4
    if all(isinstance(v, int) for _, values in series for v in values if v is not None):
        # Counts: whole numbers on the axis (0-4 for a top of 2, 0-50 by 10 for 50).
        top = max(int(top), 4)
        steps = 5 if top % 5 == 0 else 4
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    gap = slot * 0.2
    for i, label in enumerate(labels):
        base = HEIGHT - BOTTOM
        x = LEFT + i * slot + gap / 2
        width = (slot - gap) / (1 if stacked else max(1, len(series)))
        for n, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            height = plot_height * value / top
            bar_x = x if stacked else x + n * width
            bar_y = base - height if stacked else HEIGHT - BOTTOM - height
            colour = COLOURS[n % len(COLOURS)]
            title = f"{label}, {name}: {_number(value)}"
            chart.bars.append(Bar(round(bar_x, 1), round(bar_y, 1), round(width, 1),
                                  round(height, 1), colour, title))  # fmt: skip
            if stacked:
                base -= height
    every = max(1, round(len(labels) / 8))  # at most about eight labels under the axis
    chart.x_ticks = [
        Tick(round(LEFT + (i + 0.5) * slot, 1), HEIGHT - BOTTOM + 16, label)
        for i, label in enumerate(labels)
        if i % every == 0
    ]
    chart.y_ticks = [
        Tick(LEFT - 6, round(HEIGHT - BOTTOM - plot_height * step / steps, 1),
             _number(top * step / steps if top % steps else top // steps * step))
        for step in range(steps + 1)
    ]  # fmt: skip
    return chart


def _nice(value: float) -> float:
    """The axis's top: the value rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    while power > value and power > 0.1:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return value


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
