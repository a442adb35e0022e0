#!/bin/sh
# Apply a SMILE overlay the safe way:
#   1. everything but the workloads (namespace, ConfigMaps, NetworkPolicies, Ingress, ...);
#   2. the migration Jobs of this release (the previous ones are deleted first: Jobs are immutable),
#      and wait until every one has completed;
#   3. the api and worker Deployments, and wait for their rollout.
# Old pods keep serving until the new ones are ready; new pods also wait for the migration themselves
# (init container `migrate --wait`), so a rollout applied another way is safe too.
#
#   sh deploy/k8s/rollout.sh deploy/k8s/overlays/production
set -eu
overlay=${1:?usage: rollout.sh OVERLAY_DIRECTORY}
timeout=${SMILE_ROLLOUT_TIMEOUT:-900s}

rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$overlay" > "$rendered"

if grep -Eq 'cidr: (192\.0\.2\.|198\.51\.100\.|203\.0\.113\.)' "$rendered" && [ "${SMILE_ALLOW_EXAMPLE_ADDRESSES:-0}" != 1 ]; then
    echo "rollout: $overlay still allows documentation address ranges (192.0.2.x, 198.51.100.x, 203.0.113.x)" >&2
    echo "rollout: put your PostgreSQL, RabbitMQ, identity provider, SIS and mail addresses in its network policies" >&2
    exit 2
fi
namespace=$(sed -n 's/^  namespace: //p' "$rendered" | head -n 1)
namespace=${namespace:?the overlay sets no namespace}

workloads='app.kubernetes.io/component in (api,worker,migrate)'
echo "rollout: configuration, policies and routes"
kubectl apply -f "$rendered" -l '!app.kubernetes.io/component'
# the server checks the workloads before anything of the running release changes
kubectl apply -f "$rendered" -l "$workloads" --dry-run=server > /dev/null

echo "rollout: migrations"
kubectl -n "$namespace" delete job -l app.kubernetes.io/component=migrate --ignore-not-found --wait=true
kubectl apply -f "$rendered" -l app.kubernetes.io/component=migrate
if ! kubectl -n "$namespace" wait --for=condition=complete job -l app.kubernetes.io/component=migrate --timeout="$timeout"; then
    echo "rollout: a migration did not complete; the running release is untouched. Its logs:" >&2
    kubectl -n "$namespace" logs -l app.kubernetes.io/component=migrate --tail=50 >&2 || true
    exit 1
fi

echo "rollout: api and worker processes"
kubectl apply -f "$rendered" -l 'app.kubernetes.io/component in (api,worker)'
for deployment in $(kubectl -n "$namespace" get deployment -l app.kubernetes.io/part-of=smile -o name); do
    kubectl -n "$namespace" rollout status "$deployment" --timeout="$timeout"
done
echo "rollout: done"
