"""Kafka credentials and ACLs of a province's own service (a regional plug-in).

    python -m paritrana.regional_access grant jawa-barat [--namespace NS] [--user USER] [--password-file F]
    python -m paritrana.regional_access show USER
    python -m paritrana.regional_access revoke USER

A regional service connects to the broker's SASL/SCRAM listener (SCRAM-SHA-512; deploy/local/up.sh
opens it on 127.0.0.1:29094) as a user of its own. `grant` creates the province's inbound topic,
sets the user's SCRAM credential (a new password each time: printed once, or read from
--password-file) and makes the user's ACLs exactly these, for the namespace:

| resource | pattern | operations |
| --- | --- | --- |
| topic `<ns>.<service>.events`, each of the five services | literal | READ, DESCRIBE |
| consumer groups `<ns>.<province>.*` | prefixed | READ, DESCRIBE |
| topic `<ns>.inbound.<province>` | literal | WRITE, DESCRIBE |

Nothing else: no command or dead-letter topic, no other province's inbound topic, no topic
creation or configuration. The broker denies what no ACL allows (`allow.everyone.if.no.acl.found`
is false); the services' own listener (PLAINTEXT, on the internal network) is a super user.

The work is done by Kafka's own Admin client (deploy/local/kafka/RegionalAccess.java, compiled once
into the cache) against the services' listener (`--bootstrap`, default PARITRANA_KAFKA_BOOTSTRAP),
or any listener with the client properties of an admin (`--admin-config FILE`). The policy, which
ACLs a province gets, is `regional_acls` here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from services.evidence.inbound import inbound_topic, known_provinces
from shared import topics
from shared.settings import Settings

REPO = Path(__file__).resolve().parents[1]
HELPER = REPO / "deploy" / "local" / "kafka" / "RegionalAccess.java"
MECHANISM = "SCRAM-SHA-512"
ITERATIONS = 8192
USER_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class AccessError(RuntimeError):
    """The admin operations could not be done (the broker refused, or Java/Kafka is missing)."""


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule for the user, from any host."""

    resource_type: str  # TOPIC | GROUP
    pattern_type: str  # LITERAL | PREFIXED
    name: str
    operation: str  # READ | WRITE | DESCRIBE


def group_prefix(namespace: str, province: str) -> str:
    """Consumer groups a province's service may use start with this (the notifier's default
    group `<ns>.<province>.notifier` does)."""
    return f"{namespace}.{province}."


def regional_acls(namespace: str, province: str) -> list[Acl]:
    """The whole grant of a province's service in a namespace."""
    read = ("READ", "DESCRIBE")
    acls = [Acl("TOPIC", "LITERAL", topics.events(namespace, s), op) for s in topics.SERVICES for op in read]
    acls += [Acl("GROUP", "PREFIXED", group_prefix(namespace, province), op) for op in read]
    acls += [Acl("TOPIC", "LITERAL", inbound_topic(namespace, province), op) for op in ("WRITE", "DESCRIBE")]
    return acls


def default_kafka_lib() -> Path:
    """Kafka's jars: PARITRANA_KAFKA_LIB, else where deploy/local/up.sh fetched them."""
    if os.environ.get("PARITRANA_KAFKA_LIB"):
        return Path(os.environ["PARITRANA_KAFKA_LIB"])
    cache = Path(os.environ.get("PARITRANA_CACHE") or REPO / ".cache")
    return cache / "local" / "kafka" / "lib"


class KafkaAdmin:
    """Runs plans of admin operations (see RegionalAccess.java) in one JVM each."""

    def __init__(self, bootstrap: str, kafka_lib: Path | None = None, admin_config: Path | None = None) -> None:
        self.bootstrap, self.admin_config = bootstrap, admin_config
        self.kafka_lib = kafka_lib or default_kafka_lib()

    def _classes(self) -> Path:
        """The helper compiled against these jars, once per version of its source."""
        if not any(self.kafka_lib.glob("kafka-clients-*.jar")):
            raise AccessError(f"no Kafka jars in {self.kafka_lib}: run deploy/local/up.sh once, "
                              "or set PARITRANA_KAFKA_LIB")
        digest = hashlib.sha256(HELPER.read_bytes()).hexdigest()[:16]
        out = self.kafka_lib.parent / "tools" / f"regional-access-{digest}"
        if not (out / "RegionalAccess.class").is_file():
            javac = shutil.which("javac")
            if javac is None:
                raise AccessError("javac (a JDK 17+) is needed to compile the admin helper")
            tmp = out.with_name(out.name + f".tmp{os.getpid()}")
            tmp.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([javac, "-d", str(tmp), "-cp", f"{self.kafka_lib}/*", str(HELPER)],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise AccessError(f"compiling {HELPER.name} failed:\n{done.stderr}")
            try:
                tmp.rename(out)
            except OSError:  # compiled by someone else meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
        return out

    def run(self, plan: list[tuple[str, ...]]) -> list[list[str]]:
        """Apply `plan` in order; returns the output lines split by tab; AccessError on the first failure."""
        for step in plan:
            if any(("\t" in field or "\n" in field or "\r" in field) for field in step):
                raise ValueError("a tab or line break in a plan field")
        command = ["java", "-Dlog4j2.level=WARN", "-cp", f"{self.kafka_lib}/*{os.pathsep}{self._classes()}",
                   "RegionalAccess", self.bootstrap]
        if self.admin_config is not None:
            command.append(str(self.admin_config))
        done = subprocess.run(command, input="".join("\t".join(step) + "\n" for step in plan),
                              capture_output=True, text=True, timeout=180)
        lines = [line.split("\t") for line in done.stdout.splitlines()]
        if done.returncode != 0:
            errors = ["\t".join(line[2:]) for line in lines if line[0] == "error"]
            raise AccessError(errors[0] if errors else f"admin helper exited {done.returncode}: {done.stderr[-2000:]}")
        return lines


def principal(user: str) -> str:
    return f"User:{user}"


@dataclass(frozen=True)
class Granted:
    user: str
    province: str
    namespace: str
    inbound_topic: str
    acls: list[Acl]


def grant(admin: KafkaAdmin, namespace: str, province: str, user: str, password: str,
          partitions: int = 1) -> Granted:
    """Give `user` the province's grant (see the module's docstring) and `password` as its SCRAM
    credential; ACLs the user held besides are removed, so it holds exactly this grant."""
    check_user(user)
    if province not in known_provinces():
        raise ValueError(f"unknown province {province!r}: one of the reference data's ids, like jawa-barat")
    if not password or any(c in password for c in "\t\r\n"):
        raise ValueError("the password must be non-empty and on one line")
    wanted = regional_acls(namespace, province)
    topic = inbound_topic(namespace, province)
    plan: list[tuple[str, ...]] = [("topic", topic, str(partitions)),
                                   ("scram-upsert", user, MECHANISM, str(ITERATIONS), password)]
    plan += [("acl-want", principal(user), a.resource_type, a.pattern_type, a.name, a.operation) for a in wanted]
    plan.append(("acl-sync", principal(user)))  # exactly these: others the user held are deleted
    admin.run(plan)
    return Granted(user, province, namespace, topic, wanted)


def check_user(user: str) -> str:
    if not USER_PATTERN.match(user):
        raise ValueError(f"user names are letters, digits, '.', '_' and '-': {user!r}")
    return user


def revoke(admin: KafkaAdmin, user: str) -> None:
    """Delete the user's SCRAM credential and every ACL it holds (its inbound topic stays)."""
    admin.run([("acl-delete-principal", principal(check_user(user))), ("scram-delete", user, MECHANISM)])


def show(admin: KafkaAdmin, user: str) -> dict:
    lines = admin.run([("scram-list", check_user(user)), ("acl-list", principal(user))])
    return {
        "user": user,
        "scram": [{"mechanism": line[1], "iterations": int(line[2])} for line in lines if line[0] == "scram"],
        "acls": [dict(zip(("resource_type", "pattern_type", "name", "operation", "permission"), line[1:]))
                 for line in lines if line[0] == "acl"],
    }


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    p = argparse.ArgumentParser(prog="python -m paritrana.regional_access", description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", default=settings.kafka_bootstrap,
                   help="an admin's way in: the services' listener (default PARITRANA_KAFKA_BOOTSTRAP)")
    p.add_argument("--admin-config", type=Path, help="Kafka client properties of an admin (e.g. SASL settings)")
    p.add_argument("--kafka-lib", type=Path, help="directory of Kafka's jars (default: the one up.sh fetched)")
    sub = p.add_subparsers(dest="action", required=True)
    g = sub.add_parser("grant", help="credentials and ACLs of a province's service (replacing earlier ones)")
    g.add_argument("province", help="the province id, e.g. jawa-barat")
    g.add_argument("--namespace", default=settings.namespace, help="default PARITRANA_NAMESPACE")
    g.add_argument("--user", help="the SCRAM user name (default regional-<province>)")
    g.add_argument("--password-file", type=Path, help="read the password from this file (default: a new random one)")
    g.add_argument("--partitions", type=int, default=1, help="partitions of the inbound topic, if it is created")
    for name, text in (("show", "a user's SCRAM credentials and ACLs"),
                       ("revoke", "delete a user's credential and ACLs")):
        sub.add_parser(name, help=text).add_argument("user")
    args = p.parse_args(argv)

    admin = KafkaAdmin(args.bootstrap, args.kafka_lib, args.admin_config)
    try:
        if args.action == "grant":
            if args.password_file:
                password = args.password_file.read_text(encoding="utf-8").strip("\r\n")
            else:
                password = secrets.token_urlsafe(24)
            user = args.user or f"regional-{args.province}"
            done = grant(admin, args.namespace, args.province, user, password, args.partitions)
            print(json.dumps({
                "user": done.user, "password": None if args.password_file else password, "mechanism": MECHANISM,
                "security_protocol": "SASL_PLAINTEXT", "namespace": done.namespace, "province": done.province,
                "writes": done.inbound_topic, "reads": [topics.events(done.namespace, s) for s in topics.SERVICES],
                "consumer_groups": group_prefix(done.namespace, done.province) + "*",
            }, indent=2))
        elif args.action == "show":
            print(json.dumps(show(admin, args.user), indent=2))
        else:
            revoke(admin, args.user)
            print(f"revoked {args.user}")
    except (AccessError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
