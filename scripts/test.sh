#!/usr/bin/env bash
# Runs every test against real RabbitMQ and PostgreSQL on 127.0.0.1. On a fresh Debian/Ubuntu machine with the
# .NET SDK it installs both (and python3-aiosmtpd, and chromium for the portal's browser tests) from the OS packages,
# starts them with data under .data/, and stops them again on exit unless they were already running. Extra arguments
# go to `dotnet test` (and skip the scripts' own tests, scripts/tests/).
set -euo pipefail
cd "$(dirname "$0")/.."

if scripts/infra.sh status >/dev/null 2>&1; then started_here=false; else started_here=true; fi
infra_env=$(scripts/infra.sh start) # a plain eval "$(...)" would hide a failed start
eval "$infra_env"
if $started_here; then trap 'scripts/infra.sh stop' EXIT; fi

# tests/Portal.Tests drives Debian's chromium headless (Playwright's driver comes with its NuGet package; no browser
# is downloaded). infra.sh installs only the servers, so the browser is installed here.
if ! command -v chromium >/dev/null; then
  echo "installing chromium for tests/Portal.Tests (apt output in .data/apt-chromium.log)" >&2
  mkdir -p .data
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 \
      --no-install-recommends chromium; } >>.data/apt-chromium.log 2>&1 \
    || { echo "apt-get install chromium failed: see .data/apt-chromium.log" >&2; exit 1; }
fi

log=$(mktemp)
status=0
# The scripts' own tests first (bash, seconds): how scripts/run.sh starts and stops its processes. Only in a whole
# run: arguments (a --filter) select .NET tests.
if (($# == 0)); then scripts/tests/run-processes.sh 2>&1 | tee "$log" || status=$?; fi
# One test assembly at a time (-m:1): the fault suite's load would otherwise starve the others on small machines.
dotnet test ServiceDesk.slnx -c Release -m:1 "$@" 2>&1 | tee -a "$log" || status=$?

# One closing line for CI, summed over the test assemblies ("Passed!  - Failed: 0, Passed: 14, ...") and the
# scripts' tests ("4 passed, 0 failed").
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { failed += $2; passed += $4 }
  /^[0-9]+ passed, [0-9]+ failed$/ { split($0, words, " "); passed += words[1]; failed += words[3] }
  END { printf "%d passed, %d failed\n", passed, failed }' "$log"
rm -f "$log"
exit "$status"
