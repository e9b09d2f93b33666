"""Offline HTML reports of cascades: what researchers read, cite and share.

:func:`write_report` writes an index, a page per cascade (view-weighted reach chart,
amplifier chart, cascade diagram, members table with t.me links and a CSV) and, given
a channel network, a network page with GEXF and GraphML files. Each figure is also a
function of :mod:`amplify.report.figures` returning a ``plotly.graph_objects.Figure``,
for notebooks.

Post text, channel titles and usernames are hostile input: pages escape every value
(Jinja2 autoescape), figures escape every label (:mod:`amplify.report.escape`), and a
Content-Security-Policy allows only the report's own scripts.

Examples
--------
>>> from amplify.report import write_report, figures
>>> index = write_report(cascades, "reports/nato-center", title="NATO center")  # doctest: +SKIP
>>> figures.reach_chart(cascades[0]).show()  # doctest: +SKIP
"""

from __future__ import annotations

from amplify.report import figures
from amplify.report.pages import write_report

__all__ = ["figures", "write_report"]
