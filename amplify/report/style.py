"""What every report figure shares: colours, layout, time labels."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
"""How times are written into figures (UTC, no zone suffix: plotly shows them as is)."""
PALETTE: tuple[str, ...] = tuple(qualitative.Plotly)
KIND_COLOURS: dict[str, str] = {
    "forward": "#1f77b4",
    "link": "#2ca02c",
    "media": "#9467bd",
    "copy": "#d62728",
}
"""Edge and post colours by kind (the root is :data:`ROOT_COLOUR`)."""
ROOT_COLOUR = "#111111"


def count_text(value: object) -> str:
    """``1,234``, or ``unknown``."""
    return "unknown" if value is None or pd.isna(value) else f"{int(value):,}"


def time_labels(dates: pd.Series) -> list[str]:
    """Times as figure x values (UTC, :data:`TIME_FORMAT`)."""
    return [d.strftime(TIME_FORMAT) for d in dates]


def layout(fig: go.Figure, title: str, **more: object) -> go.Figure:
    """The shared look: white template, title on the left, left-aligned hover labels.

    ``title`` must already be escaped (:func:`~amplify.report.escape.hover_text`).
    """
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hoverlabel={"align": "left"},
        **more,
    )
    return fig
