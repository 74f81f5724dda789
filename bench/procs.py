"""What the benchmarks read from the processes they start: peak RSS, and py-spy profiles."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) so far, in MiB; None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def summarise_collapsed(lines: list[str], top: int = 12) -> dict:
    """py-spy's raw (collapsed) stacks -> the share of samples per leaf function (self) and per
    function anywhere on the stack (inclusive), the `top` of each."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    ours: Counter = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_short(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
            if ("(shared/" in frame or "(services/" in frame) and not frame.endswith(("(shared/serve.py)",)):
                ours[frame] += n
    share = lambda c: [(name, round(100 * n / total, 1)) for name, n in c.most_common(top)] if total else []
    return {"samples": total, "self_percent": share(own), "inclusive_percent": share(inclusive),
            "ours_percent": share(ours)}


def _short(frame: str) -> str:
    """`handle (shared/generations.py:250)` -> `handle (shared/generations.py)`; site-packages trimmed."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    if "site-packages/" in where:
        where = where.split("site-packages/", 1)[1]
    elif "/lib/python3" in where:
        where = "stdlib/" + where.split("/lib/python3", 1)[1].split("/", 1)[-1]
    elif "/work/main/" in where:
        where = where.split("/work/main/", 1)[1]
    return f"{name} ({where})"


class PySpy:
    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.process = subprocess.Popen([exe, "record", "-p", str(pid), "-r", "67", "--format", "raw",
                                         "-o", str(out), "--nonblocking"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)

    def finish(self) -> dict:
        if self.process.poll() is not None:
            return {"error": (self.process.stderr.read() or b"").decode()[-500:]}
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if not self.out.exists():
            return {"error": (self.process.stderr.read() or b"").decode()[-500:]}
        return {"file": str(self.out), **summarise_collapsed(self.out.read_text().splitlines())}


def profile_with_py_spy(pid: int, out: Path) -> PySpy:
    return PySpy(pid, out)
