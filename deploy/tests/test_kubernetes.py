"""deploy/k8s: every overlay renders, validates against the Kubernetes schemas, and gives each service
what its code needs (processes, ports, probes, settings, secrets, routes, network policies)."""

from __future__ import annotations

import copy
import re
from typing import Any

import kubernetes_validate
import pytest
from deploykit import DEPLOY

from smile_suite.deployment import API_PORT, PROCESS_VARIABLES, WORKER_HEALTH_PORT, ServiceContract

#: the oldest Kubernetes release the manifests support, and the newest the schemas know
KUBERNETES_VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
SECRETS_DIR = "/run/secrets/smile"

Docs = list[dict[str, Any]]


def find(docs: Docs, kind: str, name: str) -> dict[str, Any]:
    for doc in docs:
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no {kind} {name}")


def config_maps(docs: Docs) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}


def environment(container: dict[str, Any], docs: Docs) -> dict[str, str]:
    """The variables a container gets from its envFrom ConfigMaps and its env (later ones win)."""
    maps = config_maps(docs)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, "secrets are mounted as files, not passed in the environment"
        env.update(maps[source["configMapRef"]["name"]])
    for item in container.get("env", []):
        assert "valueFrom" not in item, "secrets are mounted as files, not passed in the environment"
        env[item["name"]] = item["value"]
    return env


def option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_document_validates_against_the_kubernetes_schemas(overlay: tuple[str, Docs], version: str) -> None:
    name, docs = overlay
    errors = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']} {doc['metadata']['name']}: {exc.message}")
    assert errors == [], f"overlay {name} on Kubernetes {version}"


def test_the_schema_check_catches_mistakes(overlay: tuple[str, Docs]) -> None:
    _, docs = overlay
    deployment = copy.deepcopy(find(docs, "Deployment", "catalogue-api"))
    deployment["spec"]["replicas"] = "two"
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGett"] = {"path": "/healthz"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_no_secret_is_committed(overlay: tuple[str, Docs]) -> None:
    _, docs = overlay
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"] == []


def _check_container(contract: ServiceContract, container: dict[str, Any], docs: Docs, where: str) -> None:
    env = environment(container, docs)
    given = {k for k in env if k.startswith("SMILE_")}
    missing = set(contract.configuration) - given
    assert not missing, (
        f"{where} lacks {sorted(missing)}: add them to deploy/k8s/base/config/common.env (shared) or "
        f"config/{contract.slug}.env (an empty value keeps the default)"
    )
    in_config = given & set(contract.secrets)
    assert not in_config, f"{where}: {sorted(in_config)} are secrets: keep them in the Secret smile-{contract.slug}"
    unknown = given - contract.variables - PROCESS_VARIABLES
    assert not unknown, f"{where} sets {sorted(unknown)}, which no code reads"
    assert env["SMILE_SECRETS_DIR"] == SECRETS_DIR
    assert env["SMILE_ROOT_PATH"] == contract.mount
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts.get(SECRETS_DIR) == "secrets", f"{where} does not mount its Secret in {SECRETS_DIR}"
    resources = container.get("resources", {})
    assert {"cpu", "memory"} <= set(resources.get("requests", {})), f"{where}: resource requests"
    assert {"cpu", "memory"} <= set(resources.get("limits", {})), f"{where}: resource limits"
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]


def _check_pod(contract: ServiceContract, workload: dict[str, Any], docs: Docs) -> None:
    spec = pod_spec(workload)
    where = f"{workload['kind']} {workload['metadata']['name']}"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    secrets = [v for v in spec["volumes"] if v["name"] == "secrets"]
    assert secrets == [{"name": "secrets", "secret": {"secretName": f"smile-{contract.slug}", "defaultMode": 0o440}}]
    for container in spec.get("initContainers", []) + spec["containers"]:
        assert container["command"][0] == contract.command, f"{where} runs {container['command'][0]}"
        _check_container(contract, container, docs, f"{where} ({container['name']})")


def _probe(container: dict[str, Any], kind: str) -> tuple[str, int | str]:
    get = container[kind]["httpGet"]
    port = get["port"]
    if isinstance(port, str):
        port = next(p["containerPort"] for p in container["ports"] if p["name"] == port)
    return get["path"], port


def test_every_service_runs_api_worker_and_a_migration_job(
    overlay: tuple[str, Docs], service_contracts: list[ServiceContract]
) -> None:
    _, docs = overlay
    for c in service_contracts:
        api = find(docs, "Deployment", c.api)
        _check_pod(c, api, docs)
        container = pod_spec(api)["containers"][0]
        assert container["command"][:2] == [c.command, "api"]
        assert option(container["command"], "--port") == str(API_PORT)
        assert option(container["command"], "--host") == "0.0.0.0"  # noqa: S104
        assert _probe(container, "livenessProbe") == ("/healthz", API_PORT)
        assert _probe(container, "readinessProbe") == ("/readyz", API_PORT)

        worker = find(docs, "Deployment", f"{c.slug}-worker")
        _check_pod(c, worker, docs)
        container = pod_spec(worker)["containers"][0]
        assert container["command"][:2] == [c.command, "worker"]
        assert option(container["command"], "--health-port") == str(WORKER_HEALTH_PORT)
        assert option(container["command"], "--health-host") == "0.0.0.0"  # noqa: S104
        assert _probe(container, "livenessProbe") == ("/healthz", WORKER_HEALTH_PORT)
        assert _probe(container, "readinessProbe") == ("/readyz", WORKER_HEALTH_PORT)

        for workload in (api, worker):
            waits = pod_spec(workload)["initContainers"][0]["command"]
            assert waits[:3] == [c.command, "migrate", "--wait"], "pods start after their release's migration"

        job = find(docs, "Job", f"{c.slug}-migrate")
        _check_pod(c, job, docs)
        assert pod_spec(job)["containers"][0]["command"] == [c.command, "migrate"]
        assert pod_spec(job)["restartPolicy"] == "Never"
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"

    workloads = {d["metadata"]["name"] for d in docs if d["kind"] in {"Deployment", "Job"}}
    expected = {f"{c.slug}-{p}" for c in service_contracts for p in ("api", "worker", "migrate")}
    assert workloads == expected, "a workload in deploy/k8s that the code does not have (or the reverse)"


def test_services_autoscaling_and_disruption_budgets(
    overlay: tuple[str, Docs], service_contracts: list[ServiceContract]
) -> None:
    _, docs = overlay
    for c in service_contracts:
        api = find(docs, "Deployment", c.api)
        service = find(docs, "Service", c.api)
        assert service["spec"]["selector"] == api["spec"]["selector"]["matchLabels"]
        assert service["spec"]["ports"] == [{"name": "http", "port": API_PORT, "targetPort": "http"}]
        for process in ("api", "worker"):
            deployment = find(docs, "Deployment", f"{c.slug}-{process}")
            hpa = find(docs, "HorizontalPodAutoscaler", f"{c.slug}-{process}")
            assert hpa["spec"]["scaleTargetRef"] == {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": f"{c.slug}-{process}",
            }
            assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
            pdb = find(docs, "PodDisruptionBudget", f"{c.slug}-{process}")
            assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_the_ingress_routes_each_public_api_and_closes_internal_endpoints(
    overlay: tuple[str, Docs], service_contracts: list[ServiceContract]
) -> None:
    _, docs = overlay
    ingress = find(docs, "Ingress", "smile")
    paths = {p["path"]: p["backend"]["service"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    closed = find(docs, "Service", "smile-closed")
    selector = closed["spec"]["selector"]
    assert not any(
        all(
            pod_spec(d)["containers"] and d["spec"]["template"]["metadata"]["labels"].get(k) == v
            for k, v in selector.items()
        )
        for d in docs
        if d["kind"] in {"Deployment", "Job"}
    ), "smile-closed must select no pod"
    for c in service_contracts:
        assert paths[c.mount] == {"name": c.api, "port": {"name": "http"}}
        assert paths[f"{c.mount}/internal"]["name"] == "smile-closed"
    assert set(paths) == {c.mount for c in service_contracts} | {f"{c.mount}/internal" for c in service_contracts}


def _pod_labels(docs: Docs, name: str) -> dict[str, str]:
    labels: dict[str, str] = find(docs, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
    return labels


def test_network_policies_let_each_service_reach_only_what_it_calls(
    overlay: tuple[str, Docs], service_contracts: list[ServiceContract]
) -> None:
    _, docs = overlay
    deny = find(docs, "NetworkPolicy", "smile-default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    from_outside = find(docs, "NetworkPolicy", "smile-from-ingress")
    assert from_outside["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/component": "api"}}
    names = {c.name: c for c in service_contracts}
    for caller in service_contracts:
        for process in ("api", "worker"):
            labels = _pod_labels(docs, f"{caller.slug}-{process}")
            reaches = {
                k.removeprefix("smile-calls/")
                for k, v in labels.items()
                if k.startswith("smile-calls/") and v == "true"
            }
            declared = {names[n].slug for n in caller.calls}
            assert reaches == declared, (
                f"{caller.slug}-{process} may call {sorted(reaches)} but its code calls {sorted(declared)}: set the "
                f'pod template labels smile-calls/<service>: "true" in deploy/k8s/base/{caller.slug}.yaml to match '
                "ServiceDefinition.calls"
            )
    for callee in service_contracts:
        api_selector = {"matchLabels": {"app.kubernetes.io/name": callee.slug, "app.kubernetes.io/component": "api"}}
        ingress = find(docs, "NetworkPolicy", f"{callee.slug}-api-callers")
        assert ingress["spec"]["podSelector"] == api_selector
        assert ingress["spec"]["ingress"] == [
            {
                "from": [{"podSelector": {"matchLabels": {f"smile-calls/{callee.slug}": "true"}}}],
                "ports": [{"port": API_PORT, "protocol": "TCP"}],
            }
        ]
        egress = find(docs, "NetworkPolicy", f"calls-{callee.slug}")
        assert egress["spec"]["podSelector"] == {"matchLabels": {f"smile-calls/{callee.slug}": "true"}}
        assert egress["spec"]["egress"] == [
            {"to": [{"podSelector": api_selector}], "ports": [{"port": API_PORT, "protocol": "TCP"}]}
        ]
    # no other policy opens a SMILE api to pods of the namespace
    for policy in (d for d in docs if d["kind"] == "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "podSelector" in peer and "namespaceSelector" not in peer:
                    assert policy["metadata"]["name"].endswith("-api-callers"), policy["metadata"]["name"]


def test_each_service_has_a_secret_example_listing_exactly_its_secrets(
    service_contracts: list[ServiceContract],
) -> None:
    for c in service_contracts:
        example = DEPLOY / "k8s" / "secrets.example" / f"{c.slug}.env"
        assert example.exists(), f"add {example.relative_to(DEPLOY.parent)} with {list(c.secrets)}"
        keys = [line.split("=", 1)[0] for line in example.read_text().splitlines() if line and not line.startswith("#")]
        assert sorted(keys) == sorted(c.secrets), f"{example.name} must list {list(c.secrets)}"
        url = next(line for line in example.read_text().splitlines() if line.startswith("SMILE_DATABASE_URL="))
        assert re.search(rf"://{c.database_role}:", url)


def test_production_overlay_is_production(overlay: tuple[str, Docs]) -> None:
    name, docs = overlay
    common = next(data for cm, data in config_maps(docs).items() if cm.startswith("smile-common-"))
    if name == "production":
        assert common["SMILE_PROFILE"] == "production"
        assert common["SMILE_PUBLIC_BASE_URL"].startswith("https://")
        assert find(docs, "Ingress", "smile")["spec"]["tls"]
    for doc in docs:
        assert doc.get("metadata", {}).get("namespace", "smile" if name == "production" else "smile-dev") == (
            "smile" if name == "production" else "smile-dev"
        )


def test_rollout_script_applies_every_document_in_one_of_its_steps(overlay: tuple[str, Docs]) -> None:
    """rollout.sh applies documents without a component label, then migrate, then api and worker."""
    _, docs = overlay
    script = (DEPLOY / "k8s" / "rollout.sh").read_text()
    assert "-l '!app.kubernetes.io/component'" in script
    assert "-l app.kubernetes.io/component=migrate" in script
    assert "-l 'app.kubernetes.io/component in (api,worker)'" in script
    for doc in docs:
        component = doc["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        assert component in {None, "api", "worker", "migrate"}, f"{doc['kind']} {doc['metadata']['name']}"
        if doc["kind"] in {"Deployment", "Job"}:
            assert component is not None


def test_every_directory_setting_is_a_mounted_volume(
    overlay: tuple[str, Docs], service_contracts: list[ServiceContract]
) -> None:
    """Folders the code writes to are volumes (the root file system is read-only); shared folders (documents,
    EWP keys) are persistent volume claims mounted in both the api and the worker."""
    _, docs = overlay
    claims = {d["metadata"]["name"]: d for d in docs if d["kind"] == "PersistentVolumeClaim"}
    for c in service_contracts:
        for process in ("api", "worker"):
            spec = pod_spec(find(docs, "Deployment", f"{c.slug}-{process}"))
            volumes = {v["name"]: v for v in spec["volumes"]}
            container = spec["containers"][0]
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            for name, value in environment(container, docs).items():
                if not (name.endswith("_DIR") and value.startswith("/")) or name == "SMILE_SECRETS_DIR":
                    continue
                covering = [p for p in mounts if value == p or value.startswith(p.rstrip("/") + "/")]
                assert covering, f"{c.slug}-{process}: {name}={value} is not on a volume"
                volume = volumes[mounts[max(covering, key=len)]]
                if name != "SMILE_DATA_DIR":
                    claim = volume.get("persistentVolumeClaim", {}).get("claimName")
                    assert claim in claims, f"{c.slug}-{process}: {name} must be on a persistent volume claim"
