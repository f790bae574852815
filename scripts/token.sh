#!/usr/bin/env bash
# Mints a bearer token for the system scripts/run.sh started (it keeps the signing key in .data/auth-signing-key):
#   scripts/token.sh technician
#   scripts/token.sh client-user --client 0f8fad5b-d9cb-469f-a165-70867728950e --contact 7c9e6679-7425-40de-944b-e07fc1f90ae7 --sub dana
# (a client token opens requests as the contact --contact names: the demo client's Dana here, docs/adr/0025)
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(scripts/infra.sh env | sed -n 's/^export SERVICEDESK_DATA="\(.*\)"$/\1/p')
key_file=$data/auth-signing-key
[[ -s $key_file ]] || { echo "No signing key at $key_file: start the system with scripts/run.sh first." >&2; exit 1; }
# The issuer scripts/run.sh's services check: the identity service's (docs/adr/0026).
Auth__Issuer=http://127.0.0.1:5080/ Auth__SigningKey=$(cat "$key_file") exec dotnet run --project tools/Tokens -c Release -- "$@"
