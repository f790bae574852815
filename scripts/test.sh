#!/usr/bin/env bash
# Runs every test against real RabbitMQ and PostgreSQL on 127.0.0.1. On a fresh Debian/Ubuntu machine with the
# .NET SDK it installs both (and python3-aiosmtpd) from the OS packages, starts them with data under .data/,
# and stops them again on exit unless they were already running. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if scripts/infra.sh status >/dev/null 2>&1; then started_here=false; else started_here=true; fi
infra_env=$(scripts/infra.sh start) # a plain eval "$(...)" would hide a failed start
eval "$infra_env"
if $started_here; then trap 'scripts/infra.sh stop' EXIT; fi

log=$(mktemp)
status=0
# One test assembly at a time (-m:1): the fault suite's load would otherwise starve the others on small machines.
dotnet test ServiceDesk.slnx -c Release -m:1 "$@" 2>&1 | tee "$log" || status=$?

# One closing line for CI, summed over the test assemblies ("Passed!  - Failed: 0, Passed: 14, ...").
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { failed += $2; passed += $4 }
  END { printf "%d passed, %d failed\n", passed, failed }' "$log"
rm -f "$log"
exit "$status"
