#!/usr/bin/env bash
# The end-to-end benchmark (bench/Load.Bench, docs/BENCHMARKS.md "End to end"):
#   bench/load.sh            # the full run: about 5 minutes, more while the system is slow (each drain stops on a 2-min stall)
#   bench/load.sh --smoke    # under a minute: every measure taken, no conclusions
# Starts the whole system with scripts/run.sh (its own log: .data/logs/load-run.log) with the gateway's rate limits
# lifted, so that the benchmark finds the back end's limit and not the gateway's or intake's overload policy; mints a client user's token; runs the
# benchmark; stops the system it started. Prints the report's markdown on stdout, progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/infra.sh env)"
mkdir -p "$SERVICEDESK_DATA/logs"
log=$SERVICEDESK_DATA/logs/load-run.log

echo "Building the benchmark..." >&2
dotnet build bench/Load.Bench -c Release -nologo -v quiet -clp:NoSummary >&2

export Gateway__TenantRequestsPerWindow=${Gateway__TenantRequestsPerWindow:-1000000}
export Gateway__ChannelRequestsPerWindow=${Gateway__ChannelRequestsPerWindow:-1000000}
# And intake's overload bound (docs/adr/0033): the benchmark drains whatever it offered.
export Intake__Backlog__Limit=${Intake__Backlog__Limit:-10000000} Intake__Backlog__MaxAge=${Intake__Backlog__MaxAge:-1.00:00:00}
echo "Starting the system (scripts/run.sh; log $log)..." >&2
# On databases of its own, emptied first: the open tickets of an earlier run would fire their SLA timers during this
# one, and their work would count as this run's.
export SERVICEDESK_DB_PREFIX=servicedesk_bench_
scripts/run.sh --fresh >"$log" 2>&1 &
run_pid=$!
stop_system() { kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" || true; }
trap stop_system EXIT
until grep -q "ServiceDesk is running" "$log"; do
  kill -0 "$run_pid" 2>/dev/null || { echo "scripts/run.sh exited early:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 1
done

# As the demo client's contact Dana (a client token speaks as its contact, docs/adr/0025), for the issuer run.sh sets.
LOAD_TOKEN=$(Auth__Issuer=http://127.0.0.1:5080/ Auth__SigningKey=$(cat "$SERVICEDESK_DATA/auth-signing-key") \
  dotnet tools/Tokens/bin/Release/net10.0/Tokens.dll client-user --client 0f8fad5b-d9cb-469f-a165-70867728950e \
    --contact 7c9e6679-7425-40de-944b-e07fc1f90ae7 --sub dana)
export LOAD_TOKEN
dotnet bench/Load.Bench/bin/Release/net10.0/Load.Bench.dll "$@"
