"""Wait until the local Kafka and FerretDB answer real client requests (used by up.sh).

Kafka: a metadata request through aiokafka's admin client; with --kafka-sasl, also a SCRAM
handshake on the regional services' SASL listener, which must refuse a user it does not know.
FerretDB: `ping` through pymongo.
Exit status is a bit mask of what did not become ready: 1 = Kafka, 2 = FerretDB.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time


def alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def kafka_ready(bootstrap: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()  # bootstrap = first metadata request
        await admin.list_topics()  # a second, explicit metadata request
    finally:
        await admin.close()


async def kafka_sasl_ready(address: str) -> None:
    """A SCRAM handshake as a user without credentials: ready once the broker refuses it as such."""
    from aiokafka.conn import create_conn
    from aiokafka.errors import SaslAuthenticationFailed

    host, port = address.rsplit(":", 1)
    try:
        conn = await create_conn(host, int(port), request_timeout_ms=5000, security_protocol="SASL_PLAINTEXT",
                                 sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="paritrana-readiness-probe",
                                 sasl_plain_password="-")
    except SaslAuthenticationFailed:
        return
    conn.close()
    raise RuntimeError(f"{address} let a user without credentials in: not a SCRAM listener")


def mongo_ready(address: str) -> None:
    from pymongo import MongoClient

    client = MongoClient(
        f"mongodb://{address}/?directConnection=true",
        serverSelectionTimeoutMS=2000,
        connectTimeoutMS=2000,
    )
    try:
        client.admin.command("ping")
    finally:
        client.close()


async def wait(name: str, check, pid: int | None, deadline: float, started: float) -> bool:
    last = "no attempt"
    while time.monotonic() < deadline:
        if not alive(pid):
            print(f"{name}: process {pid} exited before answering (last error: {last})", flush=True)
            return False
        try:
            await asyncio.wait_for(check(), timeout=max(1.0, min(10.0, deadline - time.monotonic())))
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.5)
            continue
        print(f"{name}: ready after {time.monotonic() - started:.1f}s", flush=True)
        return True
    print(f"{name}: NOT ready after {time.monotonic() - started:.0f}s (last error: {last})", flush=True)
    return False


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--kafka", required=True, help="host:port of the Kafka broker")
    p.add_argument("--kafka-sasl", help="host:port of the broker's SASL/SCRAM listener (regional services)")
    p.add_argument("--mongo", required=True, help="host:port of FerretDB")
    p.add_argument("--kafka-pid", type=int)
    p.add_argument("--mongo-pid", type=int)
    p.add_argument("--timeout", type=float, default=90.0)
    args = p.parse_args()

    # aiokafka logs every refused connection at ERROR while the broker starts; keep quiet.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    started = time.monotonic()
    deadline = started + args.timeout
    async def kafka_check() -> None:
        await kafka_ready(args.kafka)
        if args.kafka_sasl:
            await kafka_sasl_ready(args.kafka_sasl)

    kafka_ok, mongo_ok = await asyncio.gather(
        wait("Kafka", kafka_check, args.kafka_pid, deadline, started),
        wait("FerretDB", lambda: asyncio.to_thread(mongo_ready, args.mongo), args.mongo_pid, deadline, started),
    )
    return (0 if kafka_ok else 1) | (0 if mongo_ok else 2)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
