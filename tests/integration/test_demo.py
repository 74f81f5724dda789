"""`make run` as the README shows it: the demo prints the right leaderboard (embedded default)."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys


def test_demo_prints_the_provincial_leaderboard():
    env = {
        **os.environ,
        "PARITRANA_DEMO_SERVE": "0",
        "PARITRANA_BACKEND": "embedded",
        "PARITRANA_PORT_BASE": str(random.randrange(20000, 40000, 10)),
    }
    result = subprocess.run(
        [sys.executable, "-m", "paritrana.demo"], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = re.findall(r"^\s*(\d+)\s+(.+?)\s+(\d+\.\d\d)\s+policy", result.stdout, re.MULTILINE)
    assert rows == [("1", "Kota Bandung", "84.60"), ("2", "Kabupaten Bekasi", "77.25"),
                    ("3", "Kabupaten Bogor", "74.50")]
    assert re.search(r"Kota Depok\s+not shortlisted\s+document stage 48\.12", result.stdout), result.stdout
    assert "nominated to the national round: Kota Bandung (jawa-bali), total 84.60" in result.stdout
    assert re.search(r"leaderboard digest [0-9a-f]{64}", result.stdout) and "http://127.0.0.1:" in result.stdout
