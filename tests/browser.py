"""Browser harness for the HTML report tests: open a local page in headless Chromium and record
everything that would mean the page is broken or unsafe.

Recorded while a page is open (see :class:`PageRecord`):

* console messages of type ``error`` or ``warning`` -- Chromium reports content-security-policy
  violations ("Refused to execute inline script ...") as console errors, so they land here too;
* uncaught exceptions (``pageerror``);
* every request other than the page's own ``file://`` URL, ``data:`` and ``about:`` URLs -- such
  requests are aborted as well as recorded, so a report can never reach the network from a test;
* every dialog (``alert``/``confirm``/``prompt``/``beforeunload``), dismissed.

Usage::

    with launch_browser() as browser:                       # one Chromium per test module
        with open_page(path, browser=browser, screenshot=artifacts_dir() / "x.png") as rec:
            rec.page.locator("table").count()
        assert not rec.problems()

``open_page`` without ``browser=`` launches (and closes) a Chromium of its own. The playwright
import is lazy: this module imports, and :func:`chromium_available` answers, without it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, Route

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PageRecord",
    "artifacts_dir",
    "chromium_available",
    "dom_content_loaded_ms",
    "launch_browser",
    "open_page",
    "scroll_to_bottom",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO = Path(__file__).resolve().parents[1]


def chromium_available() -> str | None:
    """``None`` when the browser tests can run, else why not (a skip reason)."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium at {CHROMIUM} is not executable"
    return None


def artifacts_dir() -> Path:
    """Where screenshots go: ``$SEISMO_ARTIFACTS``, else ``<repo>/.artifacts/browser/`` (created)."""
    env = os.environ.get("SEISMO_ARTIFACTS", "").strip()
    out = Path(env) if env else REPO / ".artifacts" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    return out


@dataclass
class PageRecord:
    """An open page and what happened on it. Lists fill in while the page is in use."""

    page: Page
    url: str
    console_errors: list[str] = field(default_factory=list)
    """``"error: text (at url:line:col)"`` / ``"warning: ..."`` for each such console message."""
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    """``"METHOD url"`` of each request that was not the page itself (all aborted)."""
    dialogs: list[str] = field(default_factory=list)
    """``"type: message"`` of each dialog (all dismissed)."""

    def problems(self) -> list[str]:
        """Everything recorded, one line each, labelled; empty means a clean page."""
        return [
            *(f"console {m}" for m in self.console_errors),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"request: {m}" for m in self.requests),
            *(f"dialog: {m}" for m in self.dialogs),
        ]

    # ---- recorders (wired by open_page) ----
    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type not in ("error", "warning"):
            return
        loc = msg.location or {}
        where = f"{loc.get('url', '')}:{loc.get('lineNumber', '')}:{loc.get('columnNumber', '')}"
        self.console_errors.append(f"{msg.type}: {msg.text} (at {where})")

    def _on_page_error(self, exc: Any) -> None:
        name = getattr(exc, "name", "") or "Error"
        self.page_errors.append(f"{name}: {getattr(exc, 'message', exc)}")

    def _allowed(self, url: str) -> bool:
        return url.split("#", 1)[0] == self.url or url.startswith(("data:", "about:"))

    def _on_request(self, request: Request) -> None:
        line = f"{request.method} {request.url}"
        if not self._allowed(request.url) and line not in self.requests:
            self.requests.append(line)

    def _on_route(self, route: Route) -> None:
        request = route.request
        if self._allowed(request.url):
            route.continue_()
            return
        self._on_request(request)  # also seen by the request event; recorded once
        route.abort("blockedbyclient")

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        try:
            dialog.dismiss()
        except Exception:  # the page may already be closing
            pass


@contextmanager
def launch_browser() -> Iterator[Browser]:
    """Start headless Debian Chromium through playwright; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(
    path: Path,
    *,
    screenshot: Path | None = None,
    width: int = 1280,
    height: int = 900,
    browser: Browser | None = None,
    timeout_ms: float = 15_000,
) -> Iterator[PageRecord]:
    """Open ``path`` in a fresh browser context, wait for ``load``, yield the :class:`PageRecord`.

    On exit (also when the body raised) a full-page screenshot is written to ``screenshot`` when
    given, then the context (and the browser, when this call launched it) is closed.
    """
    if browser is None:
        with launch_browser() as own, open_page(
            path, screenshot=screenshot, width=width, height=height, browser=own, timeout_ms=timeout_ms
        ) as rec:
            yield rec
        return
    url = Path(path).resolve().as_uri()
    context = browser.new_context(
        java_script_enabled=True, viewport={"width": width, "height": height}, service_workers="block"
    )
    try:
        context.set_default_timeout(timeout_ms)
        page = context.new_page()
        rec = PageRecord(page=page, url=url)
        page.on("console", rec._on_console)
        page.on("pageerror", rec._on_page_error)
        page.on("dialog", rec._on_dialog)
        page.on("request", rec._on_request)
        context.route("**/*", rec._on_route)
        page.goto(url, wait_until="load", timeout=timeout_ms)
        try:
            yield rec
        finally:
            if screenshot is not None:
                try:
                    Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True, timeout=timeout_ms)
                except Exception as exc:  # a failed screenshot must not hide the test's own error
                    rec.page_errors.append(f"(harness) screenshot failed: {exc}")
    finally:
        context.close()


def scroll_to_bottom(page: Page, *, step: int | None = None, pause_ms: int = 100, max_steps: int = 400) -> int:
    """Scroll down in viewport-sized steps, ``pause_ms`` after each (lazy content stamps as it
    approaches the viewport), until the bottom stays the bottom. Returns the steps taken."""
    if step is None:
        step = max(int(page.evaluate("window.innerHeight")) - 100, 100)
    steps = 0
    bottom = "Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight - 2"
    while steps < max_steps:
        # window.scrollBy rather than the mouse wheel: a wheel over a scrollable box (a wide table)
        # scrolls that box, not the page
        page.evaluate("(dy) => window.scrollBy(0, dy)", step)
        page.wait_for_timeout(pause_ms)
        steps += 1
        if page.evaluate(bottom):
            page.wait_for_timeout(pause_ms)  # content stamped at the bottom may grow the page
            if page.evaluate(bottom):
                break
    return steps


def dom_content_loaded_ms(page: Page) -> float:
    """Milliseconds from navigation start to the end of ``DOMContentLoaded`` (Navigation Timing)."""
    value = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n ? n.domContentLoadedEventEnd : performance.timing.domContentLoadedEventEnd"
        " - performance.timing.navigationStart; })()"
    )
    return float(value)

