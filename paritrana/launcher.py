"""Start the five services (and, when asked, the dashboard) as separate processes and wait until
each is ready."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
from importlib import import_module
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.topics import SERVICES

DASHBOARD = "dashboard"  # the web pages (services/dashboard), a client of the five services' APIs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServiceProcess:
    name: str
    port: int | None  # None: a worker with no HTTP API
    env: dict[str, str]
    log_path: Path
    command: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command or [sys.executable, "-m", "shared.serve", self.name, "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as a crash would leave it."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_ready(self, timeout: float = 60) -> None:
        if self.port is None:  # a worker: ready enough if it survives its start-up
            time.sleep(2)
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready on {self.url} after {timeout}s; see {self.log_path}")


@dataclass
class Cluster:
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    jwt_secret: str | None = None  # the key the services check tokens with

    def url(self, name: str) -> str:
        return self.services[name].url

    def urls(self) -> dict[str, str]:
        return {name: s.url for name, s in self.services.items() if s.port is not None}

    def kill(self, service: str) -> None:
        """SIGKILL a service and its stream worker, if it has one."""
        for name, process in self.services.items():
            if name == service or name.startswith(f"{service}-"):
                process.kill()

    def restart(self, service: str) -> None:
        started = [p for n, p in self.services.items() if n == service or n.startswith(f"{service}-")]
        for process in started:
            process.start()
        for process in started:
            process.wait_ready()

    def start(self) -> None:
        """Start every process; if one fails to come up, stop them all before raising."""
        try:
            for service in self.services.values():
                service.start()
            for service in self.services.values():
                service.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


def cluster(env: dict[str, str], log_dir: Path, ports: dict[str, int] | None = None,
            dashboard: bool = False) -> Cluster:
    """The five services on `ports` (free ones if not given); with `dashboard`, the dashboard too,
    on `ports["dashboard"]` or a free port, pointed at the five (its URL: `.url("dashboard")`)."""
    ports = ports or {name: free_port() for name in SERVICES}
    # a key made for this cluster, unless one is given: there is no built-in default
    full_env = {"PARITRANA_JWT_SECRET": secrets.token_urlsafe(32), **os.environ, **env}
    processes = {name: ServiceProcess(name, ports[name], full_env, log_dir / f"{name}.log") for name in SERVICES}
    if dashboard:
        processes[DASHBOARD] = dashboard_process(processes, full_env, log_dir, ports.get(DASHBOARD) or free_port())
    if full_env.get("PARITRANA_BACKEND") == "kafka" and full_env.get("PARITRANA_STREAM_ENGINE") == "faust":
        for name in SERVICES:
            stream_module = import_module(f"services.{name}.bootstrap").spec.stream_module
            if stream_module:
                command = [sys.executable, "-m", stream_module]
                processes[f"{name}-stream"] = ServiceProcess(
                    f"{name}-stream", None, full_env, log_dir / f"{name}-stream.log", command
                )
    return Cluster(processes, full_env["PARITRANA_JWT_SECRET"])


def dashboard_process(services: dict[str, ServiceProcess], env: dict[str, str], log_dir: Path,
                      port: int) -> ServiceProcess:
    """The dashboard, told where each service answers (PARITRANA_<SERVICE>_URL)."""
    urls = {f"PARITRANA_{name.upper()}_URL": services[name].url for name in SERVICES}
    command = [sys.executable, "-m", "services.dashboard", "--port", str(port)]
    return ServiceProcess(DASHBOARD, port, {**env, **urls}, log_dir / f"{DASHBOARD}.log", command)
