"""The Paritrana regional plug-in kit: what a province's own system needs to work with the award's
services without being one of them.

- the event models and their wire format (`paritrana_kit.events`: `Envelope`, the contracts by
  service, `decode`/`encode`, `seal`, `canonical_json`), the very classes the services use;
- hash verification of one event and of streams' chains (`paritrana_kit.verify`);
- a typed consumer of a service's events topic that commits only after the handler returns
  (`paritrana_kit.consumer.EventConsumer`), with the province's own Kafka credentials
  (`paritrana_kit.kafka.KafkaCredentials`: SASL/SCRAM), and a producer for the province's inbound
  topic, the one topic those credentials may write (`paritrana_kit.kafka.InboundProducer`);
- a typed HTTP client for the services' APIs with a bearer token (`paritrana_kit.client`);
- the JSON Schemas and AsyncAPI document for other languages (`python -m paritrana_kit.schemas DIR`).

The tutorial is docs/plugin-kit.md in the repository; two example plug-ins are in kit/examples/.

    KitError
     ├── InvalidEvent      a record that is not a sound event: malformed, unknown, hash mismatch
     │    └── BrokenChain  a sound event that does not follow its stream's previous event
     └── ApiError          a service refused (status, rule, reason), or could not be asked
"""

from paritrana_kit.client import ApiError, ParitranaClient, default_urls, principal_of
from paritrana_kit.consumer import Delivery, EventConsumer
from paritrana_kit.kafka import InboundProducer, KafkaCredentials
from paritrana_kit.events import (
    Actor, DomainEvent, Envelope, PoisonRecord, canonical_json, decode, encode, event_type, events_topic, evidence,
    interview, ranking, registration, scoring, seal,
)
from paritrana_kit.verify import (
    BrokenChain, ChainFollower, InvalidEvent, KitError, Report, typed_event, verify_chain, verify_event,
    verify_records, verify_topic,
)

__all__ = [
    "Actor", "ApiError", "BrokenChain", "ChainFollower", "Delivery", "DomainEvent", "Envelope", "EventConsumer",
    "InboundProducer", "InvalidEvent", "KafkaCredentials", "KitError", "ParitranaClient", "PoisonRecord", "Report", "canonical_json", "decode",
    "default_urls", "encode", "event_type", "events_topic", "evidence", "interview", "principal_of", "ranking",
    "registration", "scoring", "seal", "typed_event", "verify_chain", "verify_event", "verify_records",
    "verify_topic",
]
