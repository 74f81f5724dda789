"""The dashboard end to end: a running embedded system (the five services and the dashboard as
processes) with the known demo cycle played and published, plus an earlier edition with coverage
figures and a screening, seen through Debian's headless Chromium driven by Selenium.

Each main page is checked for the right numbers (in Indonesian and in English where numbers are
written differently) and saved as a screenshot in var/screenshots/ (git-ignored). The browser
comes from `deploy/local/browser.sh`; without it the test skips, and fails under CI=true.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest

from paritrana.client import Api
from paritrana.demo import publish_demo
from paritrana.launcher import DASHBOARD, cluster
from paritrana.scenario import CANDIDATES, CATEGORY, PROVINCE, advance, demo_config, open_cycle, play_demo, register
from tests.conftest import unique

CHROMIUM = Path(os.environ.get("PARITRANA_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("PARITRANA_CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

EARLIER = "demo-2023"  # an earlier edition: the same regions' coverage a year before, and a screening
# candidate id: (name, province, workers enrolled of 1000)
EARLIER_CANDIDATES = {
    "kota-bandung-2023": ("Kota Bandung", PROVINCE, 600),
    "kab-bekasi-2023": ("Kabupaten Bekasi", PROVINCE, 400),
    "kab-bogor-2023": ("Kabupaten Bogor", PROVINCE, 500),
    "kota-depok-2023": ("Kota Depok", PROVINCE, 200),
    "kota-serang-2023": ("Kota Serang", "banten", 300),
}


def _need_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = f"no headless browser: {', '.join(missing)} missing (run deploy/local/browser.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _play_earlier_edition(api: Api) -> None:
    """demo-2023: the demo's rubric for the 2023 edition; figures verified, then data screening."""
    config = {**demo_config(), "cycle_id": EARLIER, "edition_year": 2023, "name": "Paritrana Award 2023 (demo)"}
    open_cycle(api, config)
    for province in sorted({p for _n, p, _e in EARLIER_CANDIDATES.values()}):
        register(api, EARLIER, {c: n for c, (n, p, _e) in EARLIER_CANDIDATES.items() if p == province}, province)
    officer = api.as_actor("bpjs-data-office", "regional-service")
    secretary = api.as_actor("secretary-national", "committee-secretary")
    for candidate_id, (_name, _province, enrolled) in EARLIER_CANDIDATES.items():
        figure = f"cov-2023-{candidate_id}"
        officer.post("evidence", "/coverage-figures", {
            "figure_id": figure, "candidate_id": candidate_id, "period": "2023", "workers_eligible": 1000,
            "workers_enrolled": enrolled, "source": "BPJS Ketenagakerjaan membership"}, key=f"figure-{figure}")
        secretary.post("evidence", "/verifications", {
            "candidate_id": candidate_id, "evidence_id": figure, "verdict": "verified",
            "reason": "matches the membership export"}, key=f"verify-{figure}")
    advance(api, EARLIER, "screening")
    screened = api.post("evidence", "/screenings", {}, key=f"screen-{EARLIER}", cycle_id=EARLIER)
    assert screened["screened"] == len(EARLIER_CANDIDATES), screened
    # ranking's read models follow the log: the pages read them once they have seen the screening
    api.wait_for("ranking", f"/progress/{EARLIER}",
                 lambda answer: answer["total"]["screened"] == len(EARLIER_CANDIDATES)
                 and answer["stage"] == "screening")


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    _need_browser()
    data_dir: Path = tmp_path_factory.mktemp("dashboard")
    env = {"PARITRANA_BACKEND": "embedded", "PARITRANA_NAMESPACE": unique("dash"), "PARITRANA_DATA_DIR": str(data_dir),
           "PARITRANA_PARTITIONS": "3", "PARITRANA_DASHBOARD_CYCLES": f"{demo_config()['cycle_id']},{EARLIER}"}
    services = cluster(env, data_dir / "logs", dashboard=True)
    services.start()
    try:
        api = Api(services.urls(), "organiser-1", "organiser", services.jwt_secret)
        board = play_demo(api)
        publish_demo(api, board["cycle_id"])
        _play_earlier_edition(api)
        yield services, api, board
    finally:
        services.stop()


@pytest.fixture(scope="module")
def browser(system):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,900", "--lang=id-ID", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _screenshot(driver, folder: Path, name: str) -> Path:
    """The whole page, beyond the window (Chromium's DevTools capture)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": max(size["width"], 1280), "height": min(max(size["height"], 600), 8000),
            "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path = folder / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


def _open(driver, base: str, path: str, **params: str) -> None:
    driver.get(f"{base}{path}" + (f"?{urlencode(params)}" if params else ""))


def _text(driver, css: str) -> str:
    """The element's text, read again if chromedriver still held a node of the page just replaced
    ("Node with given id does not belong to the document", seen once in CI right after a sign-in)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    for attempt in range(3):
        try:
            return driver.find_element(By.CSS_SELECTOR, css).text
        except WebDriverException as exc:  # StaleElementReferenceException is one too
            replaced = "does not belong to the document" in str(exc) or "stale element" in str(exc)
            if attempt == 2 or not replaced:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _board_rows(driver) -> list[tuple[str, str, str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#board tbody tr")
    return [(r.find_element(By.CSS_SELECTOR, "td.rank").text,
             r.find_element(By.CSS_SELECTOR, "td a").text,
             r.find_element(By.CSS_SELECTOR, "td[data-col=total]").text) for r in rows]


def _click(driver, css: str) -> None:
    """Click what leads to another page, and wait until a new page has replaced this one and loaded.

    The old page is marked and the wait is for a complete document without the mark: while Chromium
    swaps documents, chromedriver may answer any query with an error of its own ("unhandled inspector
    error", seen in CI), so such errors during the wait mean "not yet"."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.paritranaLeftPage = true")
    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.paritranaLeftPage && document.readyState === 'complete'"))


def _sign_in(driver, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "token").send_keys(token)
    _click(driver, "#sign-in")


def _written(value: float, lang: str) -> str:
    """A number as the dashboard writes it (at most two decimals, half up), independently of its code."""
    text = str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)).rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "id" else text


def test_pages_show_the_known_cycle_in_both_languages(system, browser, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    services, api, final_board = system
    base, cycle = services.url(DASHBOARD), final_board["cycle_id"]
    driver = browser

    # every page asks for a sign-in first; the token is kept HttpOnly and SameSite=Strict
    _open(driver, base, "/leaderboards", cycle=cycle)
    assert "/sign-in" in driver.current_url
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
    _screenshot(driver, shots, "01-sign-in")
    _sign_in(driver, base, api.token)
    assert "/leaderboards" in driver.current_url and "/sign-in" not in driver.current_url
    [cookie] = [c for c in driver.get_cookies() if c["name"] == "paritrana_token"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert driver.execute_script("return document.cookie").find("paritrana_token") == -1

    # the provincial board, chosen with the filters: the known totals, Kota Depok listed apart
    Select(driver.find_element(By.NAME, "level")).select_by_value("province")
    Select(driver.find_element(By.NAME, "area")).select_by_value(PROVINCE)
    _click(driver, "#filters button")
    expected = [(str(r["rank"]), r["name"], r["total"]) for r in final_board["ranked"]]
    assert [(rank, name, total) for rank, name, total in expected] == [
        ("1", "Kota Bandung", 84.6), ("2", "Kabupaten Bekasi", 77.25), ("3", "Kabupaten Bogor", 74.5)]
    assert _board_rows(driver) == [(rank, name, _written(total, "id")) for rank, name, total in expected]
    assert _board_rows(driver)[0][2] == "84,6"
    assert _text(driver, "#board-title") == "Peringkat provinsi: Jawa Barat"
    assert _text(driver, "#board-stage") == "akhir"
    apart = _text(driver, "table.apart")
    assert "Kota Depok" in apart and "tidak masuk daftar pendek" in apart and "48,13" in apart
    _screenshot(driver, shots, "02-leaderboard-province-id")

    # English, remembered for the next pages
    _click(driver, "#language")
    assert _board_rows(driver) == [(rank, name, _written(total, "en")) for rank, name, total in expected]
    assert _text(driver, "#board-title") == "Provincial leaderboard: Jawa Barat"
    assert "not shortlisted" in _text(driver, "table.apart")
    _screenshot(driver, shots, "03-leaderboard-province-en")

    # zone and national boards: the published winner, best in zone
    _open(driver, base, "/leaderboards", cycle=cycle, category=CATEGORY, level="zone", area="jawa-bali")
    assert _text(driver, "#board-title") == "Zone leaderboard: Java-Bali"
    assert _board_rows(driver) == [("1", "Kota Bandung", "84.6")]
    assert "Best in zone" in _text(driver, "#board")
    _screenshot(driver, shots, "04-leaderboard-zone-en")
    _open(driver, base, "/leaderboards", cycle=cycle, category=CATEGORY, level="national", lang="id")
    assert _text(driver, "#board-title") == "Peringkat nasional"
    assert _board_rows(driver) == [("1", "Kota Bandung", "84,6")]
    assert "Terbaik di zona" in _text(driver, "#board")
    _screenshot(driver, shots, "05-leaderboard-national-id")

    # a candidate's page, from its row: scores, the amendment, and the explanation of its rank
    _open(driver, base, "/leaderboards", cycle=cycle, category=CATEGORY, level="province", area=PROVINCE)
    _click(driver, "#board tr[data-candidate=kab-bogor] a")
    explanation = api.get("ranking", "/candidates/kab-bogor/explanation")
    assert _text(driver, "#candidate-name") == "Kabupaten Bogor"
    assert _text(driver, "#candidate-rank") == str(explanation["live"]["rank"]) == "3"
    totals = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".figure strong.total")]
    assert totals == [_written(explanation["totals"][k], "id") for k in ("document_total", "interview_total", "total")]
    assert totals[-1] == "74,5"
    assert "nilainya sama dengan peringkat yang berlaku" in _text(driver, "#recomputed")
    indicators = _text(driver, "#indicators")
    assert "assessor-1: 75" in indicators and "18,75" in indicators
    events = _text(driver, "#events")
    assert "ScoreAmended" in events and "60 -> 75" in events and events.count("\n") == len(explanation["events"])
    superseded = driver.find_element(By.CSS_SELECTOR, "#scores tr.superseded").text
    assert "s-kab-bogor-policy-1" in superseded and "60" in superseded
    _screenshot(driver, shots, "06-candidate-id")
    _click(driver, "#language")
    assert _text(driver, "#candidate-rank") == "3"
    assert [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".figure strong.total")][-1] == "74.5"
    assert "the totals match the live board" in _text(driver, "#recomputed")
    _screenshot(driver, shots, "07-candidate-en")

    # the audit trail with its verification status
    report = api.get("ranking", "/audit/verify")
    trail = api._http.get(f"{services.url('ranking')}/audit/cycles/{cycle}/events.jsonl", headers=api.headers)
    _open(driver, base, "/audit", cycle=cycle, lang="id")
    assert report["intact"] is True
    assert _text(driver, "#verification") == "Utuh: setiap rantai hash berlaku."
    assert f"Peristiwa diperiksa\n{report['events']}" in _text(driver, "dl.facts")
    count = int(trail.headers["X-Event-Count"])
    assert _text(driver, "#trail-count") == f"{count} peristiwa"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#trail tbody tr")) == count
    assert "ProvincialResultsPublished" in _text(driver, "#trail")
    _screenshot(driver, shots, "08-audit-id")

    # cycle progress per province: the demo cycle, then the earlier edition with its screening
    _open(driver, base, "/progress", cycle=cycle)
    row = _progress_row(driver, "Jawa Barat")
    assert row == {"registered": "4", "withdrawn": "0", "screened": "0", "eligible": "0", "scored": "4",
                   "shortlisted": "3", "interviewed": "3", "published": "1"}
    assert row["registered"] == str(len(CANDIDATES)) and row["shortlisted"] == str(len(final_board["ranked"]))
    assert "hasil provinsi" in _text(driver, "#cycle-stage")
    _screenshot(driver, shots, "09-progress-id")
    # the cycle filter offers every cycle ranking knows, with its name and edition year
    offered = {o.get_attribute("value"): o.get_attribute("textContent")
               for o in driver.find_elements(By.CSS_SELECTOR, "#known-cycles option")}
    demo = demo_config()
    assert offered == {cycle: f"{demo['name']} ({demo['edition_year']})", EARLIER: "Paritrana Award 2023 (demo) (2023)"}
    _open(driver, base, "/progress", cycle=EARLIER, lang="en")
    assert _progress_row(driver, "Jawa Barat")["screened"] == "4"
    assert _progress_row(driver, "Banten") == {"registered": "1", "withdrawn": "0", "screened": "1", "eligible": "1",
                                               "scored": "0", "shortlisted": "0", "interviewed": "0", "published": "0"}
    assert "screening" in _text(driver, "#cycle-stage")
    _screenshot(driver, shots, "10-progress-en")

    # coverage year on year per region: the chart and its table
    earlier_jabar = [e for _n, p, e in EARLIER_CANDIDATES.values() if p == PROVINCE]
    jabar = {2023: sum(earlier_jabar) / (1000 * len(earlier_jabar)),
             2024: sum(e for _n, e, *_ in CANDIDATES.values()) / (1000 * len(CANDIDATES))}
    _open(driver, base, "/coverage", cycles=f"{EARLIER},{cycle}", lang="id")
    assert _coverage_row(driver, "Jawa Barat") == [_percent(jabar[2023], "id"), _percent(jabar[2024], "id")]
    assert _coverage_row(driver, "Jawa Barat") == ["42,5%", "49,25%"]
    assert _coverage_row(driver, "Banten") == ["30%", "–"]
    series = driver.find_elements(By.CSS_SELECTOR, "#coverage-chart g.series")
    assert [s.get_attribute("data-region") for s in series] == ["Banten", "Jawa Barat"]
    assert len(series[1].find_elements(By.TAG_NAME, "circle")) == 2
    assert len(series[1].find_elements(By.TAG_NAME, "polyline")) == 1
    _screenshot(driver, shots, "11-coverage-id")
    _open(driver, base, "/coverage", cycles=f"{EARLIER},{cycle}", lang="en")
    assert _coverage_row(driver, "Jawa Barat") == ["42.5%", "49.25%"]
    _screenshot(driver, shots, "12-coverage-en")


def _percent(ratio: float, lang: str) -> str:
    return _written(ratio * 100, lang) + "%"


def _progress_row(driver, province: str) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.CSS_SELECTOR, f"#progress tr[data-province='{province}']")
    return {cell.get_attribute("data-col"): cell.text.strip() for cell in row.find_elements(By.CSS_SELECTOR, "td[data-col]")}


def _coverage_row(driver, region: str) -> list[str]:
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.CSS_SELECTOR, f"#coverage tr[data-region='{region}']")
    return [cell.text.split("\n")[0] for cell in row.find_elements(By.CSS_SELECTOR, "td.num")]


def test_the_services_access_rules_apply_and_signing_out_forgets_the_token(system, browser, shots):
    from selenium.webdriver.common.by import By

    services, api, final_board = system
    base, cycle = services.url(DASHBOARD), final_board["cycle_id"]
    driver = browser
    driver.delete_all_cookies()

    # a bad token is refused at the door
    _open(driver, base, "/audit", cycle=cycle)
    _sign_in(driver, base, "not-a-token")
    assert "Token ini tidak sah" in _text(driver, "#error")

    # Banten's committee chair: no audit trail (organisers and auditors only), no other province's board
    chair = api.as_actor("sekda-banten", "committee-chair", provinces=("banten",))
    _sign_in(driver, base, chair.token)
    assert "/audit" in driver.current_url
    assert "Peran Anda tidak boleh melihat ini" in _text(driver, "#error")
    assert not driver.find_elements(By.ID, "verification")
    _screenshot(driver, shots, "13-committee-chair-refused-id")
    _open(driver, base, "/leaderboards", cycle=cycle, category=CATEGORY, level="province", area=PROVINCE)
    assert "does not act for jawa-barat" in _text(driver, "#error") and not driver.find_elements(By.ID, "board")
    _open(driver, base, "/leaderboards", cycle=cycle, category=CATEGORY, level="province", area="banten")
    assert _text(driver, "#board-empty")  # its own province: allowed, and empty in the demo
    _screenshot(driver, shots, "14-committee-chair-own-province-id")
    # its own province's progress, and no other's: counted by ranking for the chair's provinces
    _open(driver, base, "/progress", cycle=EARLIER, lang="en")
    assert not driver.find_elements(By.ID, "error")
    assert [r.get_attribute("data-province") for r in driver.find_elements(By.CSS_SELECTOR, "#progress tbody tr")] \
        == ["Banten"]
    assert _progress_row(driver, "Banten") == {"registered": "1", "withdrawn": "0", "screened": "1", "eligible": "1",
                                               "scored": "0", "shortlisted": "0", "interviewed": "0", "published": "0"}
    assert _text(driver, "#progress-scope") == "Your provinces only: Banten"
    assert _text(driver, "#progress-total th") == "Your provinces"
    _screenshot(driver, shots, "15-committee-chair-progress-en")
    _open(driver, base, "/progress", cycle=cycle, lang="en")  # the demo has no candidate in Banten: zeros
    assert _progress_row(driver, "Banten")["registered"] == "0"
    assert not driver.find_elements(By.CSS_SELECTOR, "#progress tr[data-province='Jawa Barat']")
    _open(driver, base, "/coverage", cycles=f"{EARLIER},{cycle}", lang="en")  # its province's coverage only
    assert [r.get_attribute("data-region") for r in driver.find_elements(By.CSS_SELECTOR, "#coverage tbody tr")] \
        == ["Banten"]
    assert _coverage_row(driver, "Banten") == ["30%", "–"]

    # an auditor reads everything
    _click(driver, "#sign-out")
    assert "/sign-in" in driver.current_url
    assert not [c for c in driver.get_cookies() if c["name"] == "paritrana_token"]
    _open(driver, base, "/progress", cycle=cycle)
    assert "/sign-in" in driver.current_url
    _sign_in(driver, base, api.as_actor("bpk-auditor", "auditor").token)
    assert _progress_row(driver, "Jawa Barat")["interviewed"] == "3"
