#!/usr/bin/env bash
# Audit the locked dependencies for known vulnerabilities with pip-audit, failing on any finding.
#
# pip-audit needs a vulnerability database over the network: the PyPI JSON API (service "pypi") or OSV
# (service "osv"). This script asks each in turn which one answers and audits against it. Where neither answers
# (the build machines of this project reach a PyPI mirror that serves only the simple index), it says so loudly
# and exits 0, unless AUDIT_REQUIRED=1, when it fails: set that in any pipeline that has the network.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
UV=${UV:-.uv/bin/uv}

requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
UV_PROJECT_ENVIRONMENT=${VENV:-.venv} "$UV" export --frozen --no-hashes --no-dev --quiet >"$requirements"

reachable() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }

# Ask for the vulnerabilities of one locked release, as pip-audit will (the project-level JSON is not enough).
probe=$(grep -m1 -E '^[A-Za-z0-9_.-]+==' "$requirements" | cut -d';' -f1 | tr -d ' ')
name=${probe%%==*}; version=${probe##*==}
service=""
if [ "$(reachable "https://pypi.org/pypi/$name/$version/json")" = "200" ]; then
  service=pypi
elif [ "$(reachable -X POST -d "{\"package\":{\"name\":\"$name\",\"ecosystem\":\"PyPI\"},\"version\":\"$version\"}" https://api.osv.dev/v1/query)" = "200" ]; then
  service=osv
fi

if [ -z "$service" ]; then
  echo "audit: NOT RUN - no vulnerability database answers from this machine (PyPI JSON API, api.osv.dev)." >&2
  echo "audit: $(grep -c '==' "$requirements") locked packages left unaudited; run 'make audit' where the network allows." >&2
  if [ "${AUDIT_REQUIRED:-0}" = "1" ]; then exit 1; fi
  exit 0
fi

echo "audit: $(grep -c '==' "$requirements") locked packages against the $service vulnerability service"
"$BIN/pip-audit" --strict --no-deps --progress-spinner off --vulnerability-service "$service" -r "$requirements"
