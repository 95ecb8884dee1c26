"""The live app in a real browser: it starts on 127.0.0.1, shows the starting scenario beside the
variant, answers a bad value with a message, and a changed control runs and redraws."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOUSED = "#whatif-fig-housed-per-month .js-plotly-plot"
LINES = f"() => JSON.stringify(document.querySelector('{HOUSED}').data.map(t => t.y))"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`run_sim.py dashboard` with 2 replications of half a year, its cache in tmp_path."""
    pytest.importorskip("dash")
    port, cache = free_port(), tmp_path / "cache"
    server = subprocess.Popen(
        [sys.executable, "run_sim.py", "dashboard", "--port", str(port), "--reps", "2",
         "--years", "0.5", "--cache", str(cache), "--workers", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, server)
        yield url, cache
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    """Until the app answers (or its process has died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the app did not answer")


def test_live_app_runs_a_changed_control(browser, app) -> None:
    url, cache = app
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector(HOUSED, timeout=90_000)
    first_note, first_lines = page.inner_text("#shown-note"), page.evaluate(LINES)
    assert page.input_value("#support_workers") == "53"  # reform_2024 from 2024

    page.fill("#caseworkers", "-3")
    page.press("#caseworkers", "Enter")
    page.wait_for_function("() => document.querySelector('#message').textContent"
                           ".includes('out of range')", timeout=10_000)
    page.fill("#caseworkers", "25")
    page.press("#caseworkers", "Enter")
    page.fill("#support_workers", "61")  # "8 more support workers"
    page.press("#support_workers", "Enter")
    page.wait_for_function(f"() => !document.querySelector('#shown-note').textContent"
                           f".includes({json.dumps(first_note.split('Cache: ')[1])})",
                           timeout=90_000)
    page.wait_for_selector(HOUSED, timeout=10_000)
    assert page.inner_text("#message") == ""
    assert page.evaluate(LINES) != first_lines
    assert len([p for p in cache.iterdir() if (p / "metrics.json").is_file()]) == 3
    assert errors == []
