"""The dashboard's pure parts: texts and numbers per language, the progress and coverage figures
read from ranking's answers, the chart geometry and the view models built from the services' answers."""

from __future__ import annotations

import json

import pytest

from services.dashboard.chart import line_chart
from services.dashboard.coverage import cycle_coverage, year_on_year
from services.dashboard.i18n import LANGUAGES, LOCALES, Texts, catalog, pick_language
from services.dashboard.progress import per_province, totals
from services.dashboard.views import audit_view, board_view, candidate_view

EN, ID = Texts("en"), Texts("id")


def test_every_language_has_every_text_and_the_same_placeholders():
    import string

    keys = {lang: set(catalog(lang)) for lang in LANGUAGES}
    assert keys["id"] == keys["en"]
    assert sorted(p.stem for p in LOCALES.glob("*.json")) == sorted(LANGUAGES)
    for key in keys["en"]:
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(catalog(lang)[key]) if f} for lang in LANGUAGES}
        assert fields["id"] == fields["en"], key


def test_language_is_asked_then_remembered_then_indonesian():
    assert pick_language("en", "id") == "en"
    assert pick_language(None, "en") == "en"
    assert pick_language("fr", None) == "id"
    assert pick_language(None, None) == "id"


@pytest.mark.parametrize("value, en, id_", [
    (84.6, "84.6", "84,6"), (77.25, "77.25", "77,25"), (74.5, "74.5", "74,5"), (48.125, "48.13", "48,13"),
    (1000, "1,000", "1.000"), (1234567.5, "1,234,567.5", "1.234.567,5"), (0, "0", "0"), (-2.5, "-2.5", "-2,5"),
    (None, "–", "–"),
])
def test_numbers_are_written_the_language_s_way(value, en, id_):
    assert EN.number(value) == en
    assert ID.number(value) == id_


def test_percent_and_labels():
    assert EN.percent(0.4925) == "49.25%" and ID.percent(0.4925) == "49,25%"
    assert ID.label("zone", "jawa-bali") == "Jawa-Bali" and EN.label("zone", "jawa-bali") == "Java-Bali"
    assert EN.label("zone", "atlantis") == "atlantis"
    assert ID("nav.signed_in_as", person="p", role="r") == "Masuk sebagai p (r)"


BOARD = {
    "cycle_id": "c", "category_id": "regency-city", "province": "jawa-barat", "rubric_version": 1,
    "aggregation": "mean", "stage": "final",
    "ranked": [
        {"candidate_id": "a", "name": "Kota A", "province": "jawa-barat", "document_total": 83.75,
         "interview_total": 88.0, "total": 84.6, "coverage_ratio": 0.7, "missing": [], "under_review": [], "rank": 1},
        {"candidate_id": "b", "name": "Kab B", "province": "jawa-barat", "document_total": 74.0625,
         "interview_total": 90.0, "total": 77.25, "coverage_ratio": 0.45, "missing": [], "under_review": ["policy"],
         "rank": 2},
    ],
    "incomplete": [], "withdrawn": [], "disqualified": [],
    "not_shortlisted": [{"candidate_id": "d", "name": "Kota D", "province": "jawa-barat", "document_total": 48.125,
                         "interview_total": None, "total": None, "coverage_ratio": 0.2, "missing": [],
                         "under_review": []}],
}


def test_provincial_board_view():
    view = board_view(BOARD, "province", "jawa-barat", ID)
    assert view.title == "Peringkat provinsi: Jawa Barat"
    assert view.stage == "akhir"
    assert [key for key, _ in view.columns] == ["document_total", "interview_total", "total", "coverage"]
    assert [(r.rank, r.name, r.cells["total"], r.cells["coverage"]) for r in view.rows] == [
        ("1", "Kota A", "84,6", "70%"), ("2", "Kab B", "77,25", "45%")]
    assert view.rows[1].note == "sedang ditinjau: policy"
    [(heading, rows)] = view.apart
    assert heading == "tidak masuk daftar pendek"
    assert (rows[0].rank, rows[0].cells["document_total"], rows[0].cells["total"]) == ("–", "48,13", "–")


def test_document_stage_board_has_no_total_column_and_national_board_marks_the_best_in_zone():
    document = board_view({**BOARD, "stage": "document", "not_shortlisted": []}, "province", "jawa-barat", EN)
    assert [key for key, _ in document.columns] == ["document_total", "coverage"]
    national = {"stage": "national", "rubric_version": 1, "best_in_zone": {"jawa-bali": "a"},
                "ranked": [{**BOARD["ranked"][0], "zone": "jawa-bali"}, {**BOARD["ranked"][1], "province": "bali"}]}
    view = board_view(national, "national", None, EN)
    assert view.title == "National leaderboard"
    assert [key for key, _ in view.columns] == ["province", "total"]
    assert [(r.best, r.cells["province"], r.cells["total"]) for r in view.rows] == [
        (True, "Jawa Barat", "84.6"), (False, "Bali", "77.25")]


EXPLANATION = {
    "candidate_id": "b", "name": "Kab B", "cycle_id": "c", "category_id": "regency-city", "province": "jawa-barat",
    "indicators": [{"indicator_id": "policy", "name": "Policy", "method": "judged", "weight": 0.25,
                    "scores": [{"by": "assessor-1", "value": 75.0}, {"by": "assessor-2", "value": 75.0}],
                    "value": 75.0, "contribution": 18.75}],
    "events": [{"type": "ScoreAmended", "when": "2026-11-23T12:02:39.1+00:00",
                "who": {"id": "assessor-1", "role": "assessor"}, "what": "policy amended 60 -> 75"}],
    "totals": {"stage": "final", "document_total": 73.125, "interview_total": 80.0, "total": 74.5},
    "live": {"stage": "final", "list": "ranked", "rank": 3}, "matches_live": True,
}


def test_candidate_view():
    scores = {"scores": {"s1": {"indicator_id": "policy", "assessor_id": "assessor-1", "value": 60.0, "current": False}}}
    interview = {"scores": {"i1": {"indicator_id": "interview", "interviewer_id": "iv-1", "value": 80.0,
                                   "current": True}}}
    view = candidate_view(EXPLANATION, {"province": "jawa-barat", "zone": "jawa-bali"}, scores, interview, EN)
    assert (view.name, view.rank, view.matches_live) == ("Kab B", "3", True)
    assert view.facts == "regency-city in Jawa Barat (Java-Bali), cycle c"
    assert view.totals[-1] == ("Total", "74.5")
    [line] = view.indicators
    assert (line.weight, line.scores, line.contribution) == ("25%", "assessor-1: 75, assessor-2: 75", "18.75")
    assert view.events[0].when == "2026-11-23 12:02:39" and view.events[0].who == "assessor-1 (assessor)"
    assert [(s.score_id, s.current) for s in view.scores] == [("s1", False), ("i1", True)]
    indonesian = candidate_view({**EXPLANATION, "live": {"list": "not_shortlisted", "rank": None}}, None, None,
                                None, ID)
    assert (indonesian.rank, indonesian.list_name, indonesian.totals[0][1]) == ("–", "tidak masuk daftar pendek",
                                                                                "73,13")


def test_audit_view_says_intact_or_names_the_first_break():
    events = [{"type": "CycleOpened", "occurred_at": "2026-01-01T00:00:00Z", "actor": {"id": "o", "role": "organiser"},
               "stream": "registration/cycle/c", "sequence": 1, "hash": "ab" * 32}]
    ok = audit_view({"intact": True, "events": 1234, "streams": 2, "duplicates": 0, "findings": [],
                     "findings_total": 0, "first_break": None}, events, ID)
    assert ok.intact is True and ok.first_break == ""
    assert ok.facts[0] == ("Peristiwa diperiksa", "1.234")
    assert ok.trail[0].stream == "registration/cycle/c#1" and ok.trail[0].hash == "abababababab"
    assert ok.trail_count == "1 peristiwa"
    broken = audit_view({"intact": False, "events": 3, "streams": 1, "duplicates": 0, "findings_total": 1,
                         "findings": [{"reason": "hash mismatch"}],
                         "first_break": {"topic": "t", "partition": 0, "offset": 7}}, None, EN)
    assert broken.intact is False and broken.first_break == "First broken link: t partition 0 offset 7"
    assert broken.findings == ["hash mismatch"] and broken.trail == []
    assert audit_view(None, None, EN).intact is None
    many = audit_view(None, events * 5, EN, limit=2)
    assert len(many.trail) == 2 and many.trail_count == "5 events"
    assert many.trail_cut == "the first 2 are listed; the CSV has them all"
    assert ok.trail_cut == ""


def test_progress_rows_come_from_ranking_s_counts_in_province_order():
    answer = {"cycle_id": "c", "stage": "screening", "scope": "all", "provinces": {
        "jawa-barat": {"registered": 3, "withdrawn": 1, "screened": 2, "eligible": 1, "scored": 1, "shortlisted": 1,
                       "interviewed": 1, "published": 1},
        "banten": {"registered": 1, "screened": 1, "eligible": 1}}}  # a count not given is 0
    found = per_province(answer)
    assert list(found) == ["banten", "jawa-barat"]
    assert found["banten"] == {"registered": 1, "withdrawn": 0, "screened": 1, "eligible": 1, "scored": 0,
                               "shortlisted": 0, "interviewed": 0, "published": 0}
    assert totals(found)["registered"] == 4 and totals(found)["eligible"] == 2
    assert per_province({"provinces": {}}) == {} and totals({})["published"] == 0


def test_coverage_year_on_year_from_each_cycle_s_sums_per_province():
    def answer(cycle_id, year, **provinces):
        return {"cycle_id": cycle_id, "edition_year": year, "provinces": {
            p: {"workers_enrolled": e, "workers_eligible": w, "candidates": 1} for p, (e, w) in provinces.items()}}

    older = answer("old", 2023, jawa_barat=(300, 1000), banten=(100, 400))
    newer = answer("new", 2024, jawa_barat=(1200, 2000))
    table = year_on_year([cycle_coverage(newer), cycle_coverage(older)])
    assert [(c.cycle_id, c.edition_year) for c in table.columns] == [("old", 2023), ("new", 2024)]
    assert table.regions == ["banten", "jawa_barat"]
    assert table.ratios == {"banten": [0.25, None], "jawa_barat": [0.3, 0.6]}
    assert cycle_coverage(answer("x", 2022, papua=(0, 0))).by_province == {}  # no eligible workers: no ratio


def test_line_chart_places_values_on_a_0_to_100_axis():
    chart = line_chart(["2023", "2024"], {"Jawa Barat": [30.0, 60.0], "Banten": [25.0, None]}, width=448, height=256)
    plot_top, plot_bottom = chart.top, chart.top + chart.plot_height
    jabar, banten = chart.series
    assert [p.value for p in jabar.points] == [30.0, 60.0] and len(banten.points) == 1
    assert jabar.points[0].x == chart.left and jabar.points[1].x == chart.left + chart.plot_width
    assert jabar.points[0].y == pytest.approx(plot_bottom - 0.3 * chart.plot_height)
    assert chart.y_ticks[0] == (plot_bottom, 0) and chart.y_ticks[-1] == (plot_top, 100)
    assert jabar.colour != banten.colour and jabar.polyline.count(",") == 2
    single = line_chart(["2024"], {"x": [50.0]})
    assert single.series[0].points[0].x == single.left + single.plot_width / 2


def test_catalogs_are_valid_json_objects_of_strings():
    for lang in LANGUAGES:
        data = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
        assert all(isinstance(v, str) and v for v in data.values())
