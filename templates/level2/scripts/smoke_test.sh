#!/bin/sh
# Smoke-test a running API: wait for /health, then check /version and one /predict.
# Usage: sh scripts/smoke_test.sh BASE_URL REQUEST_JSON
#   e.g. sh scripts/smoke_test.sh http://127.0.0.1:8000 models/champion/sample_request.json
set -eu

url="${1:?usage: smoke_test.sh BASE_URL REQUEST_JSON}"
request="${2:?usage: smoke_test.sh BASE_URL REQUEST_JSON}"
timeout="${SMOKE_TIMEOUT:-90}"

waited=0
until curl --silent --fail "$url/health" > /dev/null; do
  if [ "$waited" -ge "$timeout" ]; then
    echo "smoke test: $url/health did not answer within ${timeout}s" >&2
    exit 1
  fi
  sleep 2
  waited=$((waited + 2))
done

echo "health:  $(curl --silent --show-error --fail "$url/health")"
echo "version: $(curl --silent --show-error --fail "$url/version")"
answer="$(curl --silent --show-error --fail-with-body \
  --header 'Content-Type: application/json' --data "@$request" "$url/predict")"
echo "predict: $answer"
case "$answer" in
  *'"predictions":['*'"probabilities":['*) echo "smoke test passed" ;;
  *) echo "smoke test: unexpected /predict answer" >&2; exit 1 ;;
esac
