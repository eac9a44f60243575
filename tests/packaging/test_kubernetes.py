"""The Kubernetes manifests build with kustomize, validate against the Kubernetes schemas, and hold our rules.

No cluster runs here: ``kubectl kustomize`` renders each overlay, ``kubernetes-validate``
checks every core object against the schema of a current Kubernetes version, and the
tests below check what a schema cannot (probes, resources, non-root, grace, secrets).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy import text

from engine.engine import Engine
from engine.store.gauges import read_gauges
from tests.conftest import ROOT, deploy

OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"
KUBERNETES_VERSION = "1.31.0"
CUSTOM_KINDS = {
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
}
GRACE_S = 30


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on PATH (it renders the kustomize overlays)")
    result = subprocess.run(
        [kubectl, "kustomize", str(OVERLAYS / overlay)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"] for doc in docs if doc["kind"] in ("Deployment", "Job")
    }


@pytest.fixture(scope="module", params=["sqlite-single", "postgres-scale"])
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def test_every_core_object_is_valid_for_kubernetes(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_container_is_probed_limited_and_not_root(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    for name, spec in pod_specs(docs).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert "memory" in container["resources"]["limits"], where
        for container in spec["containers"]:
            if name.endswith("-migrate"):
                continue  # a job runs to its end: nothing to probe
            where = f"{name}/{container['name']}"
            assert container["livenessProbe"]["httpGet"]["path"] == "/health", where
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready", where


def test_long_running_pods_get_their_grace_period(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    for name, spec in pod_specs(docs).items():
        if name.endswith("-migrate"):
            continue
        (container,) = spec["containers"]
        args = " ".join(container["args"])
        assert f"--grace {GRACE_S}" in args or f"--grace={GRACE_S}" in args, name
        assert spec["terminationGracePeriodSeconds"] > GRACE_S, f"{name}: SIGKILL before --grace ends"


def test_every_secret_reference_resolves(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    overlay, docs = rendered
    secrets = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Secret"}
    secrets |= {f"{doc['metadata']['name']}-app" for doc in docs if doc["kind"] == "Cluster"}  # CloudNativePG's
    for name, spec in pod_specs(docs).items():
        for container in spec.get("initContainers", []) + spec["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, f"{overlay}: {name}/{container['name']} reads missing {ref['name']}"


def test_sqlite_single_runs_one_writer_on_a_volume() -> None:
    docs = render("sqlite-single")
    deployments = [doc for doc in docs if doc["kind"] == "Deployment"]
    assert [d["metadata"]["name"] for d in deployments] == ["steadyflow-serve"]
    (serve,) = deployments
    assert serve["spec"]["replicas"] == 1
    assert serve["spec"]["strategy"]["type"] == "Recreate", "two pods must never write one SQLite file"
    volumes = {v["name"]: v for v in serve["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "steadyflow-data"
    assert "emptyDir" not in volumes["data"]
    assert not [doc for doc in docs if doc["kind"] == "Job"]


def test_postgres_scale_migrates_first_and_scales_workers_on_the_queue() -> None:
    docs = render("postgres-scale")
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in docs}
    assert {
        ("Deployment", "steadyflow-serve"),
        ("Deployment", "steadyflow-worker"),
        ("Job", "steadyflow-migrate"),
        ("Cluster", "steadyflow-pg"),
        ("ScaledObject", "steadyflow-worker"),
    } <= kinds
    specs = pod_specs(docs)
    assert specs["steadyflow-migrate"]["containers"][0]["args"] == ["db", "upgrade"]
    for name in ("steadyflow-serve", "steadyflow-worker"):
        assert specs[name]["initContainers"][0]["args"][:3] == ["db", "wait", "--for-schema"], name
    scaled = next(doc for doc in docs if doc["kind"] == "ScaledObject")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "steadyflow-worker"
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "postgresql"
    annotations = next(d for d in docs if d["metadata"]["name"] == "steadyflow-worker" and d["kind"] == "Deployment")[
        "spec"
    ]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"


def keda_query() -> str:
    docs = render("postgres-scale")
    scaled = next(doc for doc in docs if doc["kind"] == "ScaledObject")
    return str(scaled["spec"]["triggers"][0]["metadata"]["query"])


@pytest.mark.postgres
def test_keda_query_counts_what_the_queue_depth_gauge_counts(engine: Engine) -> None:
    deploy(engine, "database-creation-c8.bpmn")
    engine.start("database-creation-c8", {"database": "orders", "regions": ["eu", "us", "ap"]})
    engine.claim_jobs("a-worker", ["create-database"], max_jobs=1, lock_s=300)

    with engine.db.engine.connect() as conn:
        counted = conn.execute(text(keda_query())).scalar()

    assert counted == 2
    assert counted == read_gauges(engine.db, time.time()).queue_depth
