"""The HTML outputs in a real browser: Debian's headless Chromium, driven by chromedriver.

`preview --out x.html` must show the push text, `calendar --format html` the days over
the cap, both with no console errors. Screenshots land in the test's tmp folder, or in
$RECONCILER_SCREENSHOTS when set (how docs/*-browser.png are refreshed).
Outside CI a machine without chromium skips; in CI (CI set) a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import example_repo, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium and chromium-driver (.ci/run installs them)")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install ...)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,1400"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver: object, page: Path, shot: str, tmp: Path) -> tuple[str, list[str]]:
    """Load `page`, keep a screenshot, and return (visible text, console errors)."""
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())  # type: ignore[attr-defined]
    text = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    folder = Path(os.environ.get("RECONCILER_SCREENSHOTS") or tmp)
    folder.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(folder / shot))  # type: ignore[attr-defined]
    errors = [e["message"] for e in driver.get_log("browser")  # type: ignore[attr-defined]
              if e["level"] == "SEVERE"]
    return text, errors


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example repo with a cap of one push a day, so the calendar has days over it."""
    root = example_repo(tmp_path_factory.mktemp("browser"))
    config = root / "reconciler.yaml"
    config.write_text(config.read_text().replace("max_pushes_per_day: 3",
                                                 "max_pushes_per_day: 1"))
    return root


def test_preview_html_shows_the_push_text(browser: object, tmp_path: Path,
                                          image_server: tuple[str, list[str]]) -> None:
    """The push text on both cards, and the attachment drawn from its URL (a server on
    127.0.0.1 here) as the iOS thumbnail and the Android big picture."""
    from selenium.webdriver.common.by import By

    url, requested = image_server
    root = example_repo(tmp_path / "repo")
    launch = root / "campaigns" / "feature-launch.yaml"
    launch.write_text(launch.read_text().replace("https://cdn.example.com/push/wishlist.png",
                                                 url))
    code, _, err = run_cli(["preview", "feature-launch", "--out", "launch.html"], root)
    assert code == 0, err
    text, errors = open_page(browser, root / "launch.html", "preview-browser.png", tmp_path)
    assert errors == []
    for line in ("New: wishlists", "Save it for later",
                 "Tap the heart on any item to keep it for later"):
        assert line in text
    assert "Preview: Wishlist feature launch" in browser.title  # type: ignore[attr-defined]
    assert requested and set(requested) == {"/welcome.png"}
    photos = browser.find_elements(By.CSS_SELECTOR,  # type: ignore[attr-defined]
                                   "foreignObject.photo div")
    assert sorted(p.size["width"] for p in photos) == [48, 492]


def test_calendar_html_flags_the_days_over_the_cap(browser: object, repo: Path) -> None:
    from selenium.webdriver.common.by import By

    code, out, err = run_cli(["calendar", "--drafts", "--start", "2027-01-01", "--days", "40"],
                             repo)
    assert code == 0, err
    over_lines = [line for line in out.splitlines() if line.startswith("  2027-")]
    assert len(over_lines) == 11, out  # cart-reminder goes live on any day: counted on each
    code, page, err = run_cli(["calendar", "--drafts", "--start", "2027-01-01", "--days", "40",
                               "--format", "html"], repo)
    assert code == 0, err
    (repo / "calendar.html").write_text(page)
    text, errors = open_page(browser, repo / "calendar.html", "calendar-browser.png", repo)
    assert errors == []
    flagged = browser.find_elements(By.CSS_SELECTOR, "rect.over")  # type: ignore[attr-defined]
    assert flagged and all(r.is_displayed() for r in flagged)
    days = sorted({r.get_attribute("data-day") for r in flagged})
    assert "Over the cap" in text
    for day in days:
        assert day in text
    assert len(over_lines) == len(flagged)


def test_all_envs_calendar_html_flags_the_people_group(browser: object, tmp_path: Path) -> None:
    """The cross-channel grid: one row per people group, the group-day over
    safety.max_messages_per_day red, its campaigns named with platform and env."""
    from selenium.webdriver.common.by import By

    from tests.people_repo import DAY, people_repo

    root = people_repo(tmp_path / "repo")
    code, page, err = run_cli(["calendar", "--all-envs", "--start", DAY.isoformat(), "--days",
                               "10", "--format", "html"], root)
    assert code == 0, err
    (root / "all-envs.html").write_text(page)
    text, errors = open_page(browser, root / "all-envs.html", "calendar-all-envs-browser.png",
                             tmp_path)
    assert errors == []
    flagged = browser.find_elements(By.CSS_SELECTOR, "rect.over")  # type: ignore[attr-defined]
    assert [(r.get_attribute("data-audience"), r.get_attribute("data-day")) for r in flagged] \
        == [("people:buyers", DAY.isoformat())]
    assert all(r.is_displayed() for r in flagged)
    assert f"{DAY} people:buyers: 4 messages" in text
    assert "nudge (stream, env chat)" in text and "winback (smartech, env push)" in text


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A PNG on 127.0.0.1 (the preview page loads attachment images from their URLs);
    yields its URL and the paths requested."""
    import io
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (0, 95, 255)).save(buffer, "PNG")
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(buffer.getvalue())))
            self.end_headers()
            self.wfile.write(buffer.getvalue())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/welcome.png", requested
    finally:
        server.shutdown()
        server.server_close()


def test_stream_preview_shows_the_receiver_and_the_attachments(
        browser: object, tmp_path: Path, image_server: tuple[str, list[str]]) -> None:
    from selenium.webdriver.common.by import By

    from tests.helpers import FIXTURES, copy_tree

    url, requested = image_server
    copy_tree(FIXTURES / "stream", tmp_path)
    welcome = tmp_path / "campaigns" / "welcome.yaml"
    welcome.write_text(welcome.read_text().replace("https://cdn.acme.example/chat/welcome.png",
                                                   url))
    code, _, err = run_cli(["preview", "welcome", "--out", "welcome.html"], tmp_path)
    assert code == 0, err
    text, errors = open_page(browser, tmp_path / "welcome.html", "stream-preview-browser.png",
                             tmp_path)
    assert errors == []
    for line in ("Hi Kari, welcome to Acme Chat!", "acme-bot", "Getting started",
                 "Five tips for your first week.", "acme.example"):
        assert line in text
    assert requested == ["/welcome.png"]  # the image attachment is drawn from its URL
    image = browser.find_element(By.CSS_SELECTOR,  # type: ignore[attr-defined]
                                 "g.image foreignObject div")
    assert image.is_displayed() and image.size["width"] == 300
    assert "Preview: Welcome to Acme Chat" in browser.title  # type: ignore[attr-defined]
