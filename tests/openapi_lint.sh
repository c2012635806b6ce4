#!/usr/bin/env bash
# Validates the server's OpenAPI description with Redocly's linter (the recommended rules, as
# redocly.yaml at the repository root adjusts them): fails on any error, prints warnings.
# Usage: openapi_lint.sh SPEC   (exit 77 = skipped: the linter is not installed)
# scripts/install-deps.sh --test installs the pinned linter into .tools/npm.
set -euo pipefail
spec=$1
root=$(cd "$(dirname "$0")/.." && pwd)
redocly=$root/.tools/npm/node_modules/.bin/redocly
if [ ! -x "$redocly" ] || ! command -v node > /dev/null; then
  echo "SKIP: the OpenAPI linter is not installed ($redocly; scripts/install-deps.sh --test installs it)"
  exit 77
fi
# No telemetry or update check: the linter runs offline.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$redocly" lint --config "$root/redocly.yaml" --format stylish "$spec"
