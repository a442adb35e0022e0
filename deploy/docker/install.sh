#!/bin/sh
# Install the SMILE suite (every service's command and `smile`) into a new virtual environment at TARGET,
# from the repository files around this script, at the versions pinned in constraints.txt.
# Used by the Dockerfile's build stage; CI runs it too, on a copy of exactly what the Dockerfile copies.
set -eu
target=${1:?usage: install.sh TARGET_VENV}
root=$(cd "$(dirname "$0")/../.." && pwd)
python3 -m venv "$target"
set --
for package in "$root"/libs/*/ "$root"/services/*/; do
    set -- "$@" "${package%/}"
done
set -- "$@" "$root/suite"
"$target/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$root/constraints.txt" "$@"
"$target/bin/python" -m pip check
