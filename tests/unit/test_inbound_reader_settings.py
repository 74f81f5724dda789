"""Which inbound topics the evidence service reads, by its settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.evidence.bootstrap import spec
from services.evidence.inbound import inbound_loops, known_provinces
from shared.runtime import Runtime
from shared.settings import Settings


def _topics(tmp_path, **settings) -> list[list[str]]:
    rt = Runtime(spec, Settings(data_dir=tmp_path, namespace="ns", **settings))
    return [loop._topics for loop in inbound_loops(rt)]


def test_unset_reads_every_province_on_kafka_and_none_on_the_embedded_log(tmp_path):
    assert _topics(tmp_path, backend="kafka") == [[f"ns.inbound.{p}" for p in known_provinces()]]
    assert len(known_provinces()) == 38
    assert _topics(tmp_path) == []


def test_a_list_reads_those_provinces_and_none_reads_nothing(tmp_path):
    assert _topics(tmp_path, inbound_provinces="bali,jawa-barat") == [["ns.inbound.bali", "ns.inbound.jawa-barat"]]
    assert _topics(tmp_path, backend="kafka", inbound_provinces="none") == []


def test_a_province_the_reference_data_does_not_know_stops_the_service_with_the_reason(tmp_path):
    with pytest.raises(ValueError, match="atlantis"):
        _topics(tmp_path, inbound_provinces="bali,atlantis")
    with pytest.raises(ValidationError):
        Settings(inbound_provinces="Jawa Barat")
