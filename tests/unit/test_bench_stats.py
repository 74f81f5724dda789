"""The benchmark suite's pure parts: summaries, percentiles, verdicts, tables, extrapolation."""

from __future__ import annotations

import pytest

from bench.procs import summarise_collapsed
from bench.stats import Summary, extrapolate, percentile, summarise, table, verdict


def test_summary_is_the_median_with_min_and_max():
    assert summarise([3, 1, 2]) == Summary(2, 1, 3, 3)
    assert summarise([4, 1, 2, 3]).median == 2.5
    assert summarise([7]).text(" s", 1) == "7.0 s (1 run)"
    assert summarise([1000, 3000, 2000]).text(" ev/s") == "2,000 ev/s (min 1,000, max 3,000; 3 runs)"
    with pytest.raises(ValueError):
        summarise([])


def test_percentiles_are_observed_values_by_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([5.0], 99) == 5.0
    assert percentile([3, 1, 2], 0) == 1
    with pytest.raises(ValueError):
        percentile([], 50)


def test_verdicts_say_by_how_much_a_target_is_missed():
    assert verdict(120_000, 100_000, higher_is_better=True) == "met"
    assert verdict(10_000, 100_000, higher_is_better=True) == "missed: 10.0x below target"
    assert verdict(15, 20, higher_is_better=False) == "met"
    assert verdict(60, 20, higher_is_better=False) == "missed: 3.0x the target"


def test_tables_render_markdown_and_escape_pipes():
    assert table(["a", "b"], [[1, "x|y"]]) == "| a | b |\n|---|---|\n| 1 | x\\|y |"


def test_extrapolation_is_linear():
    assert extrapolate(10, 1_000, 840_000) == 8_400
    with pytest.raises(ValueError):
        extrapolate(10, 0, 5)


def test_py_spy_stacks_are_summarised_by_self_and_inclusive_share():
    lines = ["main (a.py:1);decode (shared/codec.py:23) 3", "main (a.py:1);apply (x.py:9) 1", "garbage"]
    summary = summarise_collapsed(lines)
    assert summary["samples"] == 4
    assert summary["self_percent"][0] == ("decode (shared/codec.py)", 75.0)
    assert ("main (a.py)", 100.0) in summary["inclusive_percent"]


def test_the_report_renders_every_section_from_raw_results_and_names_missed_targets():
    from bench.report import render

    rebuild = {"events": 1000, "fill_seconds": 2.0, "first_catch_up_seconds": 1.0, "peak_rss_mib": 100.0,
               "runs": [{"events_per_s": v, "identical": True, "digest_seconds": 1.0, "leaderboards_digest": "d"}
                        for v in (900.0, 1000.0, 1100.0)],
               "kafka_consumer_perf": {"messages": 1000, "fetch_seconds": 0.01, "events_per_s": 100_000.0,
                                       "events_per_s_with_group_join": 50_000.0},
               "profile": {"samples": 10, "self_percent": [["decode (shared/codec.py)", 40.0]],
                           "inclusive_percent": [], "ours_percent": [["handle (shared/generations.py)", 90.0]]}}
    window = {"requests": 10, "errors": {}, "per_s": 50.0, "p50_ms": 10.0, "p99_ms": 30.0}
    cycle = {"e2e_seconds": 100.0, "candidates": 100, "events": 1000, "seconds_per_stage": {"registration": 1.0},
             "queries": {"leaderboard": [window] * 3, "explanation": [window] * 3}, "commands": [window] * 3,
             "paced": {"every_s": 1.0, "leaderboard": [{**window, "p99_ms": 8.0}] * 3,
                       "explanation": [window] * 3, "commands": [{**window, "requests": 0, "errors": {"409": 3}}] * 3},
             "peak_rss_mib": {"ranking": 120.0}}
    peer_run = {"events": 40, "append_per_s": 10.0, "replay_per_s": 20.0}
    stage = lambda result: {"load_before": "1.0", "load_after": "2.0", "result": result}
    results = {"date": "D", "commit": "C", "command": "`make bench`", "scale": {},
               "machine": {"cores": 2, "cpu": "x", "memory_gib": 1, "kernel": "k", "python": "3.11"},
               "stages": {"rebuild-embedded": stage(rebuild), "cycle-embedded": stage(cycle),
                          "bulk-embedded": {"load_before": "1", "load_after": "1",
                                            "rows": ["| candidates | embedded | 100 | 100 | 10.0 s | 10 rows/s |"]},
                          "peer": stage({"library": "eventsourcing==9.5.6", "candidates": 10,
                                         "recorders": {"sqlite": [peer_run], "popo": [peer_run]}}),
                          "cycle-kafka": {"load_before": "1", "load_after": "1", "error": "boom"},
                          "national-embedded": stage({**cycle, "people": 8, "provinces": 38, "candidates": 2186,
                                                      "villages_per_province": 3, "employers_per_province": 40,
                                                      "e2e_seconds": 420.0, "counts": {"scores": 9000},
                                                      "retries": 12, "unavailable": 10,
                                                      "profiles": {"scoring": rebuild["profile"]}})}}
    text = render(results)
    for heading in ("## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6."):
        assert heading in text
    assert "1,000 ev/s (min 900, max 1,100; 3 runs)" in text
    assert "missed: 300.0x below target" in text  # 1,000 ev/s against 300,000
    assert "1.00% of that" in text  # against Kafka's own consumer
    assert "cycle-kafka: failed (boom)" in text
    assert "decode (shared/codec.py) 40.0%" in text
    assert "| embedded | 38 provinces, 2,186 candidates (3 villages and 40 employers per province) | 8 |" in text
    assert "| 420 s |" in text and "9,000 scores" in text and "missed: 1.4x the target" in text
    assert "; 12 sent again (10 after a 503) |" in text
    assert "Profile of scoring through the embedded national cycle (py-spy, 67 Hz, the whole run; % of samples)" in text
    assert "| embedded | closed loop | leaderboard query | 10 ms (min 10, max 10; 3 runs) |" in text
    assert "| embedded | paced: 1 every 1 s per client | leaderboard query |" in text and "| < 20 ms | met |" in text
    assert ("| embedded | paced: 1 every 1 s per client | score command | - | - | - | < 100 ms "
            "| no answers; errors {'409': 9} |") in text
    assert render(results) == text
