"""A provincial notifier: reacts when its province's results are published and its nominees named.

It reads the ranking service's events topic (`<namespace>.ranking.events`) as a consumer group of
its own, checks each event's hash and its link to the previous event of its stream, and for its
province's `ProvincialResultsPublished`, `NomineeNominated` and `NominationWithdrawn` writes a
notice (JSON, in Indonesian and English, named by the event id, so an event delivered again
rewrites the same file) and prints one line. A record is committed only after its notice is
written. An event that fails verification stops the notifier (exit 1) without being committed:
nothing is announced from a log that does not check out.

    python kit/examples/provincial_notifier.py --province jawa-barat --namespace demo1736900000 --out notices

Kafka at --bootstrap, PARITRANA_KAFKA_BOOTSTRAP or 127.0.0.1:29092 (`make up`), with the province's
own Kafka user when PARITRANA_KAFKA_USERNAME and PARITRANA_KAFKA_PASSWORD are set (SASL/SCRAM: give
the broker's SASL listener as --bootstrap, locally 127.0.0.1:29094); or, to try it on
`make run`'s embedded backend, --event-log-file <data dir>/<namespace>-events.sqlite. The group
(--group, default `<namespace>.<province>.notifier`) starts from the topic's first event the first
time and from where it stopped after that. --idle-timeout S ends it once nothing came for S seconds;
otherwise it runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from paritrana_kit import Delivery, Envelope, EventConsumer, InvalidEvent, KafkaCredentials, ranking

WATCHED = (ranking.ProvincialResultsPublished, ranking.NomineeNominated, ranking.NominationWithdrawn)


def notice_of(envelope: Envelope, event: Any, province: str, linked: bool = True) -> dict[str, Any] | None:
    """The notice an event gives the province, or None when it is not the province's news."""
    if not isinstance(event, WATCHED) or event.province != province:
        return None
    board = f"{event.cycle_id} / {event.category_id} / {event.province}"
    if isinstance(event, ranking.ProvincialResultsPublished):
        places = ", ".join(f"{p.rank}. {p.candidate_id} ({p.total:.2f})" for p in event.places)
        kind = "results_published"
        message = {"id": f"Hasil {board} diumumkan (publikasi ke-{event.publication}): {places}",
                   "en": f"Results of {board} published (publication {event.publication}): {places}"}
    elif isinstance(event, ranking.NomineeNominated):
        who = event.name or event.candidate_id
        kind = "nominated"
        message = {"id": f"{who} (peringkat {event.rank}, nilai {event.total:.2f}) dinominasikan ke tingkat "
                         f"nasional dari {board}",
                   "en": f"{who} (rank {event.rank}, total {event.total:.2f}) nominated to the national round "
                         f"from {board}"}
    else:
        kind = "nomination_withdrawn"
        message = {"id": f"Nominasi {event.candidate_id} dari {board} ditarik: {event.reason}",
                   "en": f"Nomination of {event.candidate_id} from {board} withdrawn: {event.reason}"}
    return {
        "notice": kind, "province": event.province, "cycle_id": event.cycle_id, "category_id": event.category_id,
        "message": message,
        "event": {"event_id": envelope.event_id, "type": envelope.type, "stream": envelope.stream,
                  "sequence": envelope.sequence, "occurred_at": envelope.occurred_at.isoformat(),
                  "hash": envelope.hash, "previous_hash": envelope.previous_hash,
                  "hash_valid": envelope.hash_is_valid(), "chain": "linked" if linked else "anchored"},
        "details": event.model_dump(mode="json"),
    }


def write_notice(out_dir: Path, notice: dict[str, Any]) -> Path:
    """Write it atomically under the event's id (a redelivered event rewrites the same file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{notice['event']['event_id']}.json"
    draft = path.with_suffix(".tmp")
    draft.write_text(json.dumps(notice, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    draft.replace(path)
    return path


def open_consumer(args: argparse.Namespace) -> EventConsumer:
    """Kafka, or the embedded log file of a local `make run` (built inside the running event loop)."""
    group = args.group or f"{args.namespace}.{args.province}.notifier"
    if args.event_log_file:
        return EventConsumer.embedded(args.event_log_file, args.namespace, "ranking", group, types=WATCHED)
    return EventConsumer.kafka(args.bootstrap, args.namespace, "ranking", group, types=WATCHED,
                               credentials=KafkaCredentials.from_env())


async def notify(args: argparse.Namespace) -> int:
    """Run until stopped or idle; returns how many notices were written."""
    consumer, province, out_dir, written = open_consumer(args), args.province, args.out, 0

    async def handle(delivery: Delivery) -> None:
        nonlocal written
        notice = notice_of(delivery.envelope, delivery.event, province, delivery.linked)
        if notice is not None:
            write_notice(out_dir, notice)
            written += 1
            print(f"[{notice['notice']}] {notice['message']['en']} (hash ok, chain {notice['event']['chain']})",
                  flush=True)

    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, consumer.stop)
    async with consumer:
        await consumer.run(handle, idle_timeout=args.idle_timeout)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--province", required=True, help="the province this notifier serves, e.g. jawa-barat")
    parser.add_argument("--namespace", default=os.environ.get("PARITRANA_NAMESPACE", "paritrana"),
                        help="the services' PARITRANA_NAMESPACE (make run prints it)")
    parser.add_argument("--bootstrap", default=os.environ.get("PARITRANA_KAFKA_BOOTSTRAP", "127.0.0.1:29092"))
    parser.add_argument("--event-log-file", type=Path, help="read make run's embedded log file instead of Kafka")
    parser.add_argument("--group", help="the consumer group (default <namespace>.<province>.notifier)")
    parser.add_argument("--out", type=Path, default=Path("notices"), help="where notices are written")
    parser.add_argument("--idle-timeout", type=float, default=None, help="stop after this many idle seconds")
    args = parser.parse_args(argv)
    try:
        written = asyncio.run(notify(args))
    except InvalidEvent as invalid:
        print(f"stopped: an event does not check out, nothing announced from it: {invalid}", file=sys.stderr)
        return 1
    except FileNotFoundError as missing:
        print(f"stopped: {missing}", file=sys.stderr)
        return 2
    print(f"{written} notices in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
