"""report.html in a real browser, and every formula the report can hold as MathML.

The browser tests load a report built by :func:`proofs_check.report.write_report` from the
synthetic payload of test_report.py into Debian's chromium (``--headless``), with two small
scripts added to a copy of the page: one at the top of ``<head>`` that records errors, one
at the end of ``<body>`` that, after ``load``, writes what it measured as JSON into a
``<pre id="verdict">`` read back from ``--dump-dom``.  Four checks, each against what a
reader would see:

``console``  no console message (stderr ``CONSOLE`` lines) and no error event in the page:
             the report has no script of its own, so any message is a fault.
``images``   every figure is an ``<img>`` that decoded (``naturalWidth > 0``), one per figure.
``maths``    one ``<math>`` per claim; each laid out by the browser's MathML engine
             (computed ``display`` is ``block math``), with a non-empty box; every fraction
             stacked (numerator above denominator); the LaTeX annotations hidden; and no
             LaTeX command (``\\frac``, ``\\text``, ...) left in the visible text.
``network``  no request from the page: Chromium's NetLog (``--log-net-log``) holds no URL
             request whose network isolation key is the report's ``file://`` site (the
             browser's own background requests have other keys), the page's Resource
             Timing lists nothing but ``data:`` / ``file:``, and no ``src`` / ``href`` in the
             DOM names anything but a ``data:`` URI or an in-page ``#`` anchor.  All host
             names resolve to nothing (``--host-resolver-rules``), so nothing leaves the box.

:func:`test_the_checks_catch_a_broken_page` runs the same checks on a copy of the report with
the MathML replaced by raw LaTeX, a broken and a remote image and a console error, and
expects every check to complain: the checks can fail.  The browser tests are skipped when
``chromium`` is not installed, unless ``CI`` is set (then they fail).

:func:`test_every_formula_becomes_mathml` needs no browser: it converts every formula the
report can contain (the catalogue's, relu and linear, and the claims') and lists those that
would fall back to a LaTeX code block.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_report import _payload

from proofs_check.report import FIGURES, render, write_report
from proofs_check.report.document import Document, Formula
from proofs_check.stats import Budget

CHROMIUM = shutil.which("chromium")
CHECKS = ("console", "images", "maths", "network")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (apt-get install chromium); required when CI is set")

# Records errors from the first moment of the page (placed first in <head>).
_CATCH = """<script>
window.__errors = [];
addEventListener("error", e => __errors.push(e.message ||
  ("failed to load " + (e.target && (e.target.src || e.target.href || e.target.tagName)))), true);
addEventListener("unhandledrejection", e => __errors.push("unhandled rejection: " + e.reason));
for (const level of ["error", "warn"]) {
  const original = console[level];
  console[level] = (...args) => { __errors.push(level + ": " + args.join(" "));
                                  original.apply(console, args); };
}
</script>"""

# Measures the page after load and writes the verdict into <pre id="verdict">.
_MEASURE = """<script>
addEventListener("load", () => {
  const box = el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const verdict = {
    errors: window.__errors,
    images: [...document.images].map(i => ({alt: i.alt, complete: i.complete,
                                            width: i.naturalWidth})),
    maths: [...document.querySelectorAll("math")].map(m => ({
      display: getComputedStyle(m).display, box: box(m),
      tex: (m.querySelector("annotation") || {}).textContent || ""})),
    fractions: [...document.querySelectorAll("mfrac")].map(f => f.children.length === 2 &&
      f.children[0].getBoundingClientRect().bottom <= f.children[1].getBoundingClientRect().top),
    annotations: [...document.querySelectorAll("annotation")].map(box),
    text: document.body.innerText,
    resources: performance.getEntriesByType("resource").map(e => e.name),
    urls: [...document.querySelectorAll("[src], [href]")].map(
      e => e.getAttribute("src") ?? e.getAttribute("href")),
  };
  const pre = document.createElement("pre");
  pre.id = "verdict";
  pre.textContent = JSON.stringify(verdict);
  document.body.append(pre);
});
</script>"""

LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")


@dataclass(frozen=True)
class Observed:
    """What one headless load of a page showed."""

    verdict: dict[str, Any]
    console: list[str]
    requests: list[str]


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser (requested before the report is built, so that CI fails at once)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed but CI is set: .ci/run installs it")
    return CHROMIUM


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page (network isolation key on the ``file://`` site) asked the network for."""
    text = netlog.read_text()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short lacks its closing brackets
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params", {})
        if event["type"] == start and "file://" in str(params.get("network_isolation_key")):
            urls.append(str(params.get("url")))
    return urls


def load(page: str, workdir: Path, chromium: str) -> Observed:
    """Load ``page`` (HTML text) with the two scripts added, in headless ``chromium``."""
    workdir.mkdir(parents=True, exist_ok=True)
    instrumented = page.replace("<head>", "<head>" + _CATCH, 1)
    instrumented = instrumented.replace("</body>", _MEASURE + "</body>", 1)
    target = workdir / "page.html"
    target.write_text(instrumented, encoding="utf-8")
    netlog = workdir / "netlog.json"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-extensions",
         f"--user-data-dir={workdir / 'profile'}", "--window-size=1200,900",
         "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}",
         "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
         "--dump-dom", target.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="verdict">(.*?)</pre>', proc.stdout, flags=re.DOTALL)
    assert proc.returncode == 0 and found, (
        f"chromium exited {proc.returncode} without a verdict:\n{proc.stderr[-3000:]}")
    console = [line for line in proc.stderr.splitlines()
               if ":CONSOLE" in line or "Uncaught" in line]
    return Observed(json.loads(html.unescape(found[1])), console, _page_requests(netlog))


def problems(seen: Observed, *, maths: int, images: int) -> dict[str, list[str]]:
    """Per check (:data:`CHECKS`), what is wrong with the page; ``maths`` and ``images`` are
    how many ``<math>`` and ``<img>`` elements the page should hold."""
    v = seen.verdict
    found: dict[str, list[str]] = {check: [] for check in CHECKS}
    found["console"] = [*seen.console, *map(str, v["errors"])]
    imgs = v["images"]
    found["images"] = [f"image {i['alt']!r} did not decode" for i in imgs
                       if not i["complete"] or i["width"] == 0]
    if len(imgs) != images:
        found["images"].append(f"{len(imgs)} <img> elements, expected {images}")
    bad = found["maths"]
    if len(v["maths"]) != maths:
        bad.append(f"{len(v['maths'])} <math> elements, expected {maths}")
    for m in v["maths"]:
        if m["display"] != "block math":
            bad.append(f"not laid out as MathML (display {m['display']!r}): {m['tex']}")
        if min(m["box"]) <= 0:
            bad.append(f"empty box {m['box']}: {m['tex']}")
    if not all(v["fractions"]):
        bad.append(f"{v['fractions'].count(False)} of {len(v['fractions'])} fractions "
                   "not stacked")
    bad += [f"annotation shown with box {b}" for b in v["annotations"] if max(b) > 0]
    bad += [f"LaTeX in the visible text: {c}" for c in sorted(set(
        LATEX_COMMAND.findall(v["text"])))]
    found["network"] = [*(f"netlog: {u}" for u in seen.requests),
                        *(f"resource: {u}" for u in v["resources"]
                          if not u.startswith(("data:", "file:"))),
                        *(f"attribute: {u}" for u in v["urls"]
                          if not u.startswith(("#", "data:")))]
    return found


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """report.html of the synthetic payload (the runs are shared with test_report.py)."""
    out = tmp_path_factory.mktemp("browser_report")
    write_report(out, _payload(), Budget("quick", 1))
    return (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def in_chromium(chromium: str, report_html: str, tmp_path_factory: pytest.TempPathFactory
                ) -> dict[str, list[str]]:
    seen = load(report_html, tmp_path_factory.mktemp("chromium"), chromium)
    return problems(seen, maths=len(_payload()["claims"]), images=len(FIGURES))


@needs_chromium
@pytest.mark.parametrize("check", CHECKS)
def test_report_renders_in_chromium(in_chromium: dict[str, list[str]], check: str) -> None:
    """No console message, every figure decoded, every formula typeset as MathML, and no
    network request, as Chromium sees the page (see the module docstring)."""
    assert in_chromium[check] == []


@needs_chromium
def test_the_checks_catch_a_broken_page(chromium: str, report_html: str, tmp_path: Path
                                        ) -> None:
    """The same checks on a page with raw LaTeX for the MathML (what a fallback for every
    formula would show), an undecodable and a remote image, and a console error: each of
    the four checks must report a problem."""
    tex = re.compile(r'<math display="block"><semantics>.*?<annotation encoding='
                     r'"application/x-tex">(.*?)</annotation></semantics></math>', re.DOTALL)
    assert len(tex.findall(report_html)) == len(_payload()["claims"])
    broken = tex.sub(r"<p>\1</p>", report_html).replace("</body>", (
        '<img alt="truncated" src="data:image/png;base64,iVBORw0KGgo=">'
        '<img alt="remote" src="http://example.invalid/figure.png">'
        '<script>console.error("planted error")</script></body>'), 1)
    found = problems(load(broken, tmp_path, chromium), maths=len(_payload()["claims"]),
                     images=len(FIGURES))
    assert {check for check, issues in found.items() if not issues} == set()
    assert any("planted error" in line for line in found["console"])
    assert any(r"\frac" in issue for issue in found["maths"])
    assert any("example.invalid" in issue for issue in found["network"])


def _all_formulas() -> dict[str, str]:
    """Every LaTeX string the report can show: catalogue entries (relu, linear), claims."""
    from proofs_check.claims import claims
    from theory.catalogue import catalogue
    from theory.conventions import LINEAR, RELU

    formulas = {f"{conv.activation} catalogue {e.id}": e.latex
                for conv in (RELU, LINEAR) for e in catalogue(conv)}
    formulas.update({f"claim {c.id}": c.latex for c in claims()})
    return formulas


def test_every_formula_becomes_mathml() -> None:
    """latex2mathml (after render.tex_for_mathml) typesets every formula of the catalogue
    and the claims: none falls back to a LaTeX code block in report.html.  The renderer's
    own record of fallbacks is compared too, on a document of all of them."""
    formulas = _all_formulas()
    assert len(formulas) > 40
    fallbacks = sorted(name for name, tex in formulas.items() if render.mathml(tex) is None)
    assert fallbacks == [], f"{len(fallbacks)} formulas fall back to code: {fallbacks}"
    renderer = render.HtmlRenderer()
    page = render.html(Document("all", tuple(map(Formula, formulas.values()))), renderer)
    assert renderer.fallbacks == []
    assert page.count("<math ") == len(formulas) and "<pre>" not in page


def test_unconvertible_formula_falls_back_to_escaped_code() -> None:
    """A formula latex2mathml cannot do (an unknown command, a broken fraction) is written
    as escaped LaTeX code and recorded; one it can do keeps its source, escaped, beside it."""
    renderer = render.HtmlRenderer()
    doc = Document("t", (Formula(r"\unknowncmd <x>"), Formula(r"\frac{1}"),
                         Formula(r"\text{a <b> & c} < 1")))
    page = render.html(doc, renderer)
    assert renderer.fallbacks == [r"\unknowncmd <x>", r"\frac{1}"]
    assert r'<pre><code class="latex">\unknowncmd &lt;x&gt;</code></pre>' in page
    assert "<mtext>a\xa0&lt;b&gt;\xa0&amp;\xa0c</mtext>" in page  # spaces: no-break
    assert r'<annotation encoding="application/x-tex">\text{a &lt;b&gt; &amp; c} &lt; 1' in page
    assert "<b>" not in page
