"""Reports in a real browser: headless Chromium (Debian's) driven by Playwright.

Pages load from ``file://`` with no console error, every figure is drawn, nothing is
requested from the network, tables sort, and hostile post text, channel titles and
usernames run no script however the page is used. Without Chromium the tests skip
with the reason; ``.ci/run`` sets ``AMPLIFY_REQUIRE_BROWSER=1``, which makes a missing
browser a failure. Never run ``playwright install``: the tests use the system browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amplify.config import Narrative
from amplify.report import write_report
from tests import report_cases as cases

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("AMPLIFY_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIGURES_DRAWN = """() => Array.from(document.querySelectorAll('div[data-figure]')).every(
    d => d.classList.contains('js-plotly-plot') && d.querySelector('.main-svg'))"""


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    if not CHROMIUM.exists():
        return (
            f"no Chromium at {CHROMIUM}: apt-get install chromium, or set AMPLIFY_CHROMIUM "
            "to a Chromium binary"
        )
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, or a skip (a failure under AMPLIFY_REQUIRE_BROWSER) with why."""
    reason = _unavailable()
    if reason:
        if os.environ.get("AMPLIFY_REQUIRE_BROWSER"):
            pytest.fail(f"AMPLIFY_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report of the known and the hostile cascade, with a hostile channel network."""
    narrative = Narrative(title="NATO center " + cases.SCRIPT, keywords=["НАТО", cases.IMG])
    return write_report(
        [cases.known_cascade(), cases.hostile_cascade()],
        tmp_path_factory.mktemp("report") / "out",
        title="NATO center " + cases.SCRIPT,
        narrative=narrative,
        generated_at=cases.GENERATED,
        network=cases.hostile_network(),
    ).parent


class Visit:
    """A page opened from disk, with everything it logged and requested."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_function(FIGURES_DRAWN, timeout=30_000)

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)


PAGES = ["index.html", "cascades/101-1234.html", "cascades/9001-1.html", "network.html"]


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_with_no_error_and_draws_every_figure(browser, report, name) -> None:
    visit = Visit(browser, report / name)
    try:
        assert visit.errors == []
        assert visit.requests and all(url.startswith("file://") for url in visit.requests)
        figures = visit.js(
            """() => Array.from(document.querySelectorAll('div[data-figure]')).map(d => ({
                id: d.id,
                traces: d.data.length,
                drawn: d.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length,
                marks: d.querySelectorAll('.trace path').length,
            }))"""
        )
        expected = {"index.html": [], "network.html": ["network"]}
        ids = expected.get(name, ["reach", "amplifiers", "diagram"])
        assert [f["id"] for f in figures] == ids
        for figure in figures:
            assert figure["traces"] > 0 and figure["drawn"] > 0, figure
            assert figure["marks"] > 0, figure
        assert visit.js("() => window.__pwned") is None
    finally:
        visit.page.close()


def test_members_table_links_every_post_to_its_source(browser, report) -> None:
    visit = Visit(browser, report / "cascades" / "101-1234.html")
    try:
        rows = visit.js(
            """() => Array.from(document.querySelectorAll('#members tbody tr')).map(
                tr => [...Array.from(tr.cells).map(td => td.textContent),
                       tr.querySelector('a').href, tr.querySelector('a').rel])"""
        )
        assert len(rows) == 6
        assert rows[0][:4] == ["@AsiaToday", "101", "2023-10-24 10:12:00", "87,000"]
        assert rows[1][7] == "(same text as the root)"
        links = [row[9] for row in rows]
        assert links[0] == "https://t.me/AsiaToday/1234"
        assert "https://t.me/c/505/3" in links
        assert all(row[10] == "noopener noreferrer" for row in rows)
        assert visit.js("() => document.querySelector('a[download]').getAttribute('href')") == (
            "101-1234.csv"
        )
    finally:
        visit.page.close()


def test_tables_sort_when_a_header_is_clicked(browser, report) -> None:
    visit = Visit(browser, report / "index.html")
    try:
        first = "() => document.querySelector('#cascades tbody tr td').textContent"
        assert visit.js(first) == "@AsiaToday"  # largest reach first
        visit.page.click("#cascades th:nth-child(5) button")  # reach, ascending
        assert visit.js(first) != "@AsiaToday"
        visit.page.click("#cascades th:nth-child(5) button")  # descending
        assert visit.js(first) == "@AsiaToday"
    finally:
        visit.page.close()
    visit = Visit(browser, report / "cascades" / "101-1234.html")
    try:
        visit.page.click("#members th:nth-child(4) button")  # views, ascending
        views = visit.js(
            "() => Array.from(document.querySelectorAll('#members tbody tr td:nth-child(4)'))"
            ".map(td => td.textContent)"
        )
        assert views == ["30,000", "87,000", "240,000", "250,000", "400,000", "–"]
    finally:
        visit.page.close()


POINTS = "document.querySelectorAll('.scatterlayer .point, .bars .point')"


def _hover_points(visit: Visit, limit: int = 12) -> list[str]:
    """Move the mouse over drawn points and collect the hover labels plotly shows."""
    count = visit.js(f"() => {POINTS}.length")
    labels = []
    for index in range(min(count, limit)):
        x, y = visit.js(
            f"""(i) => {{ const p = {POINTS}[i]; p.scrollIntoView({{block: 'center'}});
                const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }}""",
            index,
        )
        visit.page.mouse.move(x, y)
        visit.page.wait_for_timeout(50)
        labels.append(visit.js("() => document.querySelector('.hoverlayer')?.textContent || ''"))
    return labels


def test_hostile_text_runs_no_script_and_the_page_still_renders(browser, report) -> None:
    visit = Visit(browser, report / "cascades" / "9001-1.html")
    try:
        page = visit.page
        assert visit.js("() => window.__pwned") is None
        heading = page.locator("h1")
        assert heading.is_visible()
        assert "<script>window.__pwned=1</script>" in heading.text_content()  # shown as text
        assert page.title().startswith("Cascade <script>")
        assert visit.js("() => document.querySelectorAll('#members tbody tr').length") == 5
        long_text = visit.js(
            "() => document.querySelector('#members tbody tr:nth-child(4) td:nth-child(8)')"
            ".textContent.length"
        )
        assert long_text == 200
        labels = _hover_points(visit)
        assert any("<script>window.__pwned=1</script>" in label for label in labels), labels
        for header in range(1, 10):
            page.click(f"#members th:nth-child({header}) button")
        page.click("#members tbody tr:nth-child(2) td:nth-child(8)")
        assert visit.js("() => window.__pwned") is None
        scripts = visit.js(
            """() => Array.from(document.scripts).map(
                s => s.getAttribute('src') || s.getAttribute('type'))"""
        )
        allowed = {"../assets/plotly.min.js", "../assets/report.js", "application/json"}
        assert set(scripts) == allowed
        assert (
            visit.js(
                """() => Array.from(document.querySelectorAll('[href], [src], [action]')).filter(
                e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src')
                    || e.getAttribute('action') || '')).length"""
            )
            == 0
        )
        handlers = "[onerror], [onload], [onclick], [onmouseover], img, iframe, object, embed"
        assert visit.js(f"() => document.querySelectorAll('{handlers}').length") == 0
        assert visit.errors == []
    finally:
        visit.page.close()
