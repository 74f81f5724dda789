"""docker-compose.yml, the Dockerfile and deploy/k8s, checked offline: no Docker engine, no cluster.

The compose file is validated against the Compose Specification's JSON Schema as the PyPI package
check-jsonschema ships it (its vendored `compose-spec.json`); the Kubernetes manifests against the
Kubernetes OpenAPI schemas the PyPI package kubernetes-validate ships (strict: unknown fields fail).
"""

from __future__ import annotations

import base64
import importlib.resources
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared import topics
from shared.settings import Settings

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())  # oldest supported upstream, newest known
INFRA = {"kafka", "mongo"}
ONE_SHOT = {"topics"}
ADDONS = {"prometheus"}
DASHBOARD = "dashboard"  # the web pages: no topic, no store, started after the five services


def _load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


create_topics = _load_module(REPO / "deploy" / "compose" / "create_topics.py")
k8s = _load_module(K8S / "render.py")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, as `docker compose config` resolves them."""
    if isinstance(node, dict):
        return {k: interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env) for v in node]
    if not isinstance(node, str):
        return node

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, node)


# --- docker-compose.yml ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.Draft7Validator:
    source = importlib.resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    schema = json.loads(source.read_text(encoding="utf-8"))
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft7Validator.check_schema(schema)  # its $schema names draft-07
    return jsonschema.Draft7Validator(schema)


def test_compose_file_is_valid_for_the_compose_specification(compose, compose_validator):
    assert [e.message for e in compose_validator.iter_errors(compose)] == []
    resolved = interpolate(compose, {"PARITRANA_JWT_SECRET": "x" * 32})
    assert [e.message for e in compose_validator.iter_errors(resolved)] == []


@pytest.mark.parametrize(
    "service, key, value",
    [
        ("ranking", "depends_on", {"kafka": {"condition": "service_happy"}}),
        ("ranking", "healthcheck", {"test": "curl", "intervall": "10s"}),
        ("kafka", "ports", [{"targett": 9092}]),
        ("mongo", "restart", ["always"]),
    ],
)
def test_the_compose_schema_catches_a_broken_file(compose, compose_validator, service, key, value):
    broken = json.loads(json.dumps(compose))
    broken["services"][service][key] = value
    assert list(compose_validator.iter_errors(broken)) != []


def test_the_signing_key_must_be_given(compose):
    with pytest.raises(KeyError, match="PARITRANA_JWT_SECRET"):
        interpolate(compose, {})


def test_kafka_and_mongodb_are_the_official_images(compose):
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert compose["services"]["mongo"]["image"].startswith("mongo:")
    kafka = compose["services"]["kafka"]["environment"]
    assert "broker" in kafka["KAFKA_PROCESS_ROLES"] and "controller" in kafka["KAFKA_PROCESS_ROLES"]  # KRaft
    cluster_id = interpolate(kafka["CLUSTER_ID"], {})
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16 and not cluster_id.startswith("-")
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics are created on purpose, with their partitions"


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name in ONE_SHOT:
            assert service["restart"] == "no"
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_every_dependency_waits_for_a_condition_the_dependency_can_meet(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, how in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = how["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency} to be healthy"
            else:
                assert condition == "service_completed_successfully" and dependency in ONE_SHOT, (name, dependency)


def test_the_five_services_start_after_kafka_mongodb_and_the_topics(compose):
    apps = set(compose["services"]) - INFRA - ONE_SHOT - ADDONS - {DASHBOARD}
    assert apps == set(topics.SERVICES)
    for name in topics.SERVICES:
        service = compose["services"][name]
        assert service["command"][:4] == ["python", "-m", "shared.serve", name]
        assert service["depends_on"] == {
            "kafka": {"condition": "service_healthy"},
            "mongo": {"condition": "service_healthy"},
            "topics": {"condition": "service_completed_successfully"},
        }
        assert "/ready" in service["healthcheck"]["test"][-1]
    assert compose["services"]["topics"]["command"] == ["python", "deploy/compose/create_topics.py"]
    assert compose["services"]["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}


def test_the_dashboard_starts_after_the_five_services_and_reads_them_by_their_names(compose):
    from services.dashboard.settings import DashboardSettings

    dashboard = compose["services"][DASHBOARD]
    assert dashboard["command"][:3] == ["python", "-m", "services.dashboard"]
    assert dashboard["depends_on"] == {s: {"condition": "service_healthy"} for s in topics.SERVICES}
    assert "/ready" in dashboard["healthcheck"]["test"][-1]
    with pytest.raises(KeyError, match="PARITRANA_JWT_SECRET"):
        interpolate(dashboard["environment"], {})
    resolved = interpolate(dashboard["environment"], {"PARITRANA_JWT_SECRET": "k" * 32})
    fields = {f"PARITRANA_{name.upper()}" for name in DashboardSettings.model_fields} | {"FORWARDED_ALLOW_IPS"}
    assert set(resolved) <= fields, set(resolved) - fields
    settings = DashboardSettings(**{k.removeprefix("PARITRANA_").lower(): v for k, v in resolved.items()
                                    if k.startswith("PARITRANA_")})
    assert settings.urls() == {s: f"http://{s}:8000" for s in topics.SERVICES}
    assert all(compose["services"][s]["command"][-1] == "8000" for s in topics.SERVICES)


def test_settings_come_from_the_environment_and_are_real_settings(compose):
    fields = {f"PARITRANA_{name.upper()}" for name in Settings.model_fields} | {"PARITRANA_REPLICATION_FACTOR"}
    for name in [*topics.SERVICES, "topics"]:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= fields, set(environment) - fields
        assert environment["PARITRANA_BACKEND"] == "kafka"
        assert environment["PARITRANA_KAFKA_BOOTSTRAP"] == "kafka:9092"
    resolved = interpolate(compose["services"]["ranking"]["environment"], {"PARITRANA_JWT_SECRET": "k" * 32})
    settings = Settings(**{k.removeprefix("PARITRANA_").lower(): v for k, v in resolved.items()})
    assert (settings.backend, settings.namespace, settings.partitions) == ("kafka", "paritrana", 6)


def test_prometheus_scrapes_every_service(compose):
    config = yaml.safe_load((REPO / "deploy" / "compose" / "prometheus.yml").read_text(encoding="utf-8"))
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    targets = sorted(t for c in job["static_configs"] for t in c["targets"])
    assert targets == sorted(f"{s}:8000" for s in topics.SERVICES)
    mount = compose["services"]["prometheus"]["volumes"][0].split(":")[0]
    assert (REPO / mount).resolve() == REPO / "deploy" / "compose" / "prometheus.yml"


def test_probe_and_metrics_paths_exist_in_every_service():
    for service in topics.SERVICES:
        app = importlib.import_module(f"services.{service}.bootstrap").app()
        paths = {getattr(route, "path", None) for route in app.routes}
        assert {"/health", "/ready", "/metrics"} <= paths, service


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_copies_what_the_commands_run():
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    copied = [line.split()[1] for line in lines if line.startswith("COPY ")]
    for source in copied:
        assert (REPO / source).exists(), source
    assert "deploy/compose/create_topics.py" in copied
    user = next(line.split()[1] for line in lines if line.startswith("USER "))
    assert user.isdigit() and int(user) == k8s.UID, "a numeric user, the one the pods run as"


# --- the topic creation ----------------------------------------------------------------------


def test_topic_plan_creates_the_missing_with_the_replication_factor():
    specs = topics.all_topics("ns", 4)
    existing = {specs[0].name: 4, specs[1].name: 2}
    missing, warnings = create_topics.plan(specs, existing, replication=3)
    assert [t.name for t in missing] == [s.name for s in specs[2:]]
    assert {(t.num_partitions, t.replication_factor) for t in missing} == {(4, 3), (1, 3)}
    assert all(t.topic_configs == {"retention.ms": "-1", "min.insync.replicas": "2"} for t in missing)
    assert warnings == [f"{specs[1].name} has 2 partitions, not 4: left as it is"]
    single, _ = create_topics.plan(specs, {}, replication=1)
    assert {t.topic_configs["min.insync.replicas"] for t in single} == {"1"}


# --- deploy/k8s ------------------------------------------------------------------------------


def _documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, doc)
        for path in sorted(K8S.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc["kind"] != "Kustomization"
    ]


def test_manifests_are_what_render_py_writes():
    assert k8s.stale() == [], "deploy/k8s is stale: run python deploy/k8s/render.py"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_are_valid_kubernetes(version):
    documents = _documents()
    assert len(documents) > 20
    for name, doc in documents:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} {doc['kind']}/{doc['metadata']['name']}: {exc}")


def test_the_validator_catches_a_broken_manifest():
    deployment = k8s.deployment("scoring")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = {"no": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)
    deployment = k8s.deployment("scoring")
    deployment["spec"]["replica"] = 3  # a typo only strict validation sees
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def _by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in _documents() if doc["kind"] == kind}


def test_each_service_is_a_deployment_with_probes_limits_and_settings_by_reference():
    deployments = _by_kind("Deployment")
    assert set(deployments) == set(topics.SERVICES) | {k8s.DASHBOARD}
    deployments.pop(k8s.DASHBOARD)  # below
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        [serve] = pod["containers"]
        assert serve["command"][:4] == ["python", "-m", "shared.serve", name]
        assert serve["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert serve["livenessProbe"]["httpGet"]["path"] == "/health"
        for container in [*pod["initContainers"], serve]:
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            assert container["envFrom"] == [{"configMapRef": {"name": k8s.SETTINGS}},
                                            {"secretRef": {"name": k8s.SECRETS}}]
            assert "env" not in container, "settings come from the ConfigMap and the Secret only"
        assert pod["initContainers"][0]["command"] == ["python", "deploy/compose/create_topics.py"]
        assert pod["securityContext"]["runAsNonRoot"] is True


def test_the_dashboard_reads_the_services_by_their_cluster_names_with_the_signing_key_from_the_secret():
    from services.dashboard.settings import DashboardSettings

    pod = _by_kind("Deployment")[k8s.DASHBOARD]["spec"]["template"]["spec"]
    [serve] = pod["containers"]
    assert serve["command"][:3] == ["python", "-m", "services.dashboard"] and "initContainers" not in pod
    assert serve["readinessProbe"]["httpGet"]["path"] == "/ready" and {"cpu", "memory"} <= set(
        serve["resources"]["limits"])
    assert serve["envFrom"] == [{"configMapRef": {"name": k8s.DASHBOARD_SETTINGS}},
                                {"secretRef": {"name": k8s.SECRETS}}]
    assert pod["securityContext"]["runAsNonRoot"] is True
    config = _by_kind("ConfigMap")[k8s.DASHBOARD_SETTINGS]["data"]
    fields = {f"PARITRANA_{name.upper()}" for name in DashboardSettings.model_fields} | {"FORWARDED_ALLOW_IPS"}
    assert set(config) <= fields and "PARITRANA_JWT_SECRET" not in config
    settings = DashboardSettings(**{k.removeprefix("PARITRANA_").lower(): v for k, v in config.items()
                                    if k.startswith("PARITRANA_")})
    services = _by_kind("Service")
    for name, url in settings.urls().items():
        assert url == f"http://{name}:{services[name]['spec']['ports'][0]['port']}"
    assert services[k8s.DASHBOARD]["spec"]["selector"] == k8s.labels(k8s.DASHBOARD)


def test_replicas_are_bounded_by_the_partitions():
    partitions = Settings.model_fields["partitions"].default
    config = _by_kind("ConfigMap")[k8s.SETTINGS]["data"]
    assert int(config["PARITRANA_PARTITIONS"]) == partitions
    for name, hpa in _by_kind("HorizontalPodAutoscaler").items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] == partitions


def test_config_holds_no_secrets_and_only_real_settings():
    config = _by_kind("ConfigMap")[k8s.SETTINGS]["data"]
    fields = {f"PARITRANA_{name.upper()}" for name in Settings.model_fields} | {"PARITRANA_REPLICATION_FACTOR"}
    assert set(config) <= fields
    assert not {"PARITRANA_MONGO_URL", "PARITRANA_JWT_SECRET"} & set(config), "those belong in the Secret"
    assert config["PARITRANA_KAFKA_BOOTSTRAP"].split(":")[0] in _by_kind("Service")


def test_kafka_and_mongodb_are_external_services():
    services = _by_kind("Service")
    for name in ("kafka", "mongo"):
        assert services[name]["spec"]["type"] == "ExternalName"
    for name in topics.SERVICES:
        assert services[name]["spec"]["selector"] == k8s.labels(name)


def test_kustomization_lists_every_manifest():
    [kustomization] = yaml.safe_load_all((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    manifests = sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == manifests


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not installed")
def test_kustomize_renders_valid_manifests_in_the_namespace():
    rendered = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    documents = list(yaml.safe_load_all(rendered.stdout))
    assert len(documents) == len(_documents())
    for doc in documents:
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[0], strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == k8s.APP
