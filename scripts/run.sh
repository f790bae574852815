#!/usr/bin/env bash
# Runs the whole system on this machine, everything bound to 127.0.0.1: RabbitMQ and PostgreSQL from the OS
# packages (installed if missing, data under .data/), a development mail server that keeps every message under
# .data/mail/, the five services, the SMS channel, the identity service, the staff console and the gateway. Ctrl-C (or SIGTERM) stops everything this script
# started. Ports: gateway 5080; services 5101-5105; SMS channel 5106; identity 5107; console 5108; mail 2525. OTEL_EXPORTER_OTLP_ENDPOINT, if set,
# receives telemetry.
#   scripts/run.sh           # keeps the databases (servicedesk_<app>) between runs
#   scripts/run.sh --fresh   # drops them first: the run starts empty (bench/load.sh, which names its own with SERVICEDESK_DB_PREFIX)
set -euo pipefail
fresh=false
case ${1:-} in
  --fresh) fresh=true ;;
  "") ;;
  *) echo "usage: $0 [--fresh]" >&2; exit 2 ;;
esac
db_prefix=${SERVICEDESK_DB_PREFIX:-servicedesk_}
backend_nice=${SERVICEDESK_BACKEND_NICE:-10} # 0: every app at the same CPU priority
cd "$(dirname "$0")/.."
root=$(pwd -P)
source scripts/lib/processes.sh

eval "$(scripts/infra.sh env)" # where this checkout's data lives (.data/, or /var/tmp for an untraversable checkout)
data=$SERVICEDESK_DATA
run=$data/run
apps_run=$run/apps # one pid file per process this script starts (scripts/lib/processes.sh)
logs=$data/logs
mail=$data/mail
mkdir -p "$apps_run" "$logs" "$mail"/{tmp,new,cur}

# One run per checkout: a second would find the ports taken half-way, or stop the first one's apps as leftovers.
sd_run_lock "$run" || exit 1

# A previous run that was killed (SIGKILL, a closed terminal) left its apps and mail server running: stop those,
# and only those (pid, start time and boot id as recorded when it started them).
sd_proc_stop_all "$apps_run"

# name:project:port for each app; the gateway last, once its services answer.
apps=(
  intake:services/intake/Intake.Api:5101
  tickets:services/tickets/Tickets.Api:5102
  sla:services/sla/Sla.Api:5103
  billing:services/billing/Billing.Api:5104
  notify:services/notify/Notify.Api:5105
  sms:channels/Sms/Sms.Channel:5106
  identity:services/identity/Identity.Api:5107
  console:console/StaffConsole:5108
  gateway:gateway/Gateway:5080
)
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Every port first, before minutes of building: another process on one (another checkout's run.sh?) would take the
# messages meant for ours. The mail server too: mail sent to someone else's would not land in $mail.
for app in "${apps[@]}" mail::2525; do
  IFS=: read -r name _ port <<<"$app"
  if port_busy "$port"; then
    echo "Port $port (for $name) is taken by another process, perhaps scripts/run.sh of another checkout: stop it and try again." >&2
    exit 1
  fi
done

echo "ServiceDesk data: $data (logs: $logs, mail: $mail/new)"

if scripts/infra.sh status >/dev/null 2>&1; then infra_started=false; else infra_started=true; fi
cleanup() {
  trap - EXIT INT TERM
  echo "Stopping ServiceDesk..." >&2
  sd_proc_stop_all "$apps_run"
  if $infra_started; then scripts/infra.sh stop 8>&-; fi
  rm -f "$run/run.pid"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

infra_env=$(scripts/infra.sh start 8>&-) # a plain eval "$(...)" would hide a failed start
eval "$infra_env"

if $fresh; then
  pg_field() { sed -n "s/.*$1=\([^;]*\).*/\1/p" <<<"$SERVICEDESK_PG"; }
  for app in "${apps[@]}"; do
    IFS=: read -r name _ _ <<<"$app"
    PGPASSWORD=$(pg_field Password) psql -h "$(pg_field Host)" -p "$(pg_field Port)" -U "$(pg_field Username)" -d postgres \
      -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$db_prefix$name\" WITH (FORCE)" 8>&-
  done
  echo "Dropped the databases $db_prefix*: this run starts empty."
fi

# Only what runs (the apps and the token tool, ServiceDesk.Apps.slnf), not the tests and benchmarks. A checkout whose
# sources did not change since the last build is not built again: MSBuild's own up-to-date check of every project takes
# 10-15 s of a start. A changed, added or deleted file (its folder changes too) is newer than the stamp; bin/ and obj/
# are the build's own output. The stamp is taken before the build, so an edit made during it counts next time.
stamp=$run/apps-built
sources=(services channels console gateway tools/Tokens Directory.Build.props Directory.Packages.props ServiceDesk.Apps.slnf ServiceDesk.slnx)
if [[ -e $stamp && -z $(find "${sources[@]}" \( -name bin -o -name obj \) -prune -o -newer "$stamp" -print -quit) ]]; then
  echo "The apps are built and no source changed since (remove $stamp to build anyway)."
else
  echo "Building the apps (Release; the first build also downloads NuGet packages)..."
  touch "$stamp.next"
  dotnet build ServiceDesk.Apps.slnf -c Release -nologo -v minimal -clp:NoSummary 8>&-
  mv "$stamp.next" "$stamp"
fi

# Development mail server: nothing leaves the machine; read the messages in $mail/new.
sd_proc_start "$apps_run/mail.pid" "$logs/mail.log" \
  /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox "$mail"

# Secrets made once per checkout, kept out of the repo (under $data), and given to the apps below.
secret() { [[ -s $1 ]] || (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$1"); cat "$1"; }

# The key that signs local bearer tokens, shared by all apps, and the issuer they check: the identity service's
# (it signs access tokens with the same key here, docs/adr/0026), which scripts/token.sh mints as too.
export Auth__SigningKey Auth__Issuer=http://127.0.0.1:5080/
Auth__SigningKey=$(secret "$data/auth-signing-key")

# The clients' printed terms (sla's GET /api/sla/terms; billing's terms document reads them through the gateway, ADR 48).
export Terms__SlaUrl=http://127.0.0.1:5080/ Terms__PortalUrl=http://127.0.0.1:5080/portal/ \
  Terms__SupportEmail=support@msp.example Terms__SupportPhone="+1 202 555 0100" Terms__EmergencyPhone="+1 202 555 0199"

# The identity service: its RSA key (id tokens, JWKS), the key that encrypts codes and refresh tokens, the demo
# integrator's secret and the demo users' password, each made once per checkout. Given to the identity process only.
identity_key=$data/identity-signing-key.pem
[[ -s $identity_key ]] || (umask 077 && openssl genrsa -out "$identity_key" 2048 2>/dev/null)
[[ -s $data/identity-encryption-key ]] || (umask 077 && head -c 32 /dev/urandom | base64 -w0 >"$data/identity-encryption-key")
integrator_secret=$(secret "$data/identity-demo-integrator-secret")
demo_password_file=$data/identity-demo-password
[[ -s $demo_password_file ]] || (umask 077 && head -c 12 /dev/urandom | base64 -w0 | tr '+/' 'xy' >"$demo_password_file")
demo_password=$(cat "$demo_password_file")
demo_client=0f8fad5b-d9cb-469f-a165-70867728950e
identity_env=(
  Identity__Issuer=http://127.0.0.1:5080/ Identity__AllowHttp=true Identity__LocalSigningKey="$Auth__SigningKey"
  Identity__SigningKeys__0="$(cat "$identity_key")" Identity__EncryptionKeys__0="$(cat "$data/identity-encryption-key")"
  Identity__Applications__portal__RedirectUris__0=http://127.0.0.1:5080/portal/
  Identity__Applications__portal__PostLogoutRedirectUris__0=http://127.0.0.1:5080/portal/
  Identity__Applications__console__RedirectUris__0=http://127.0.0.1:5080/console/signin-oidc
  Identity__Applications__console__PostLogoutRedirectUris__0=http://127.0.0.1:5080/console/signout-callback-oidc
  Identity__Applications__demo-integrator__Secret="$integrator_secret" Identity__Applications__demo-integrator__Role=dispatcher
)
seed=0
for user in "admin@msp.example:Ada Admin:admin::" "tess@msp.example:Tess Ng:technician::" "dan@msp.example:Dan Brooks:dispatcher::" \
    "dana@acme-dental.example:Dana Reyes:client-user:$demo_client:7c9e6679-7425-40de-944b-e07fc1f90ae7" \
    "sam@acme-dental.example:Sam Ortiz:client-admin:$demo_client:16fd2706-8baf-433b-82eb-8c7fada847da"; do
  IFS=: read -r email name role client contact <<<"$user"
  identity_env+=(Identity__SeedUsers__${seed}__Email="$email" Identity__SeedUsers__${seed}__DisplayName="$name"
    Identity__SeedUsers__${seed}__Role="$role" Identity__SeedUsers__${seed}__Password="$demo_password")
  [[ -z $client ]] || identity_env+=(Identity__SeedUsers__${seed}__ClientId="$client" Identity__SeedUsers__${seed}__ContactId="$contact")
  seed=$((seed + 1))
done

# The bearer token of intake's email channel: what tools/mail-pipe sends (SERVICEDESK_MAIL_TOKEN_FILE).
email_token_file=$data/email-inbound-token
export Email__InboundToken
Email__InboundToken=$(secret "$email_token_file")

# The SMS channel signs what it posts to intake's "sms" channel with a secret both share, and checks Twilio's
# signature with the account's auth token (TWILIO_AUTH_TOKEN, or a local stand-in).
export Channels__sms__Secret Channels__sms__ClientIds__0=0f8fad5b-d9cb-469f-a165-70867728950e
Channels__sms__Secret=$(secret "$data/sms-channel-secret")
export Sms__ChannelSecret=$Channels__sms__Secret Sms__IntakeUrl=http://127.0.0.1:5080
export Sms__PublicUrl=${SMS_PUBLIC_URL:-http://127.0.0.1:5080/channels/sms/twilio}
export Sms__Twilio__AuthToken=${TWILIO_AUTH_TOKEN:-local-twilio-auth-token}

export RabbitMq__Host=$SERVICEDESK_RABBITMQ_HOST RabbitMq__Port=$SERVICEDESK_RABBITMQ_PORT
export RabbitMq__Username=$SERVICEDESK_RABBITMQ_USER RabbitMq__Password=$SERVICEDESK_RABBITMQ_PASS
wait_ready() { # name port
  local i
  for i in $(seq 240); do
    curl -fsS "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "$1 did not become ready in 2 minutes; see $logs/$1.log" >&2
  exit 1
}
echo "Starting the services, ${SECONDS} s after the start (logs in $logs)..."
for app in "${apps[@]}"; do
  IFS=: read -r name project port <<<"$app"
  if [[ $name == gateway ]]; then
    # The gateway goes last: wait until every service reports ready (bus and database).
    for service in "${apps[@]:0:8}"; do
      IFS=: read -r sname _ sport <<<"$service"
      wait_ready "$sname" "$sport"
      echo "  $sname ready"
    done
  fi
  dll="$root/$project/bin/Release/net10.0/$(basename "$project").dll"
  extra=()
  [[ $name != identity ]] || extra=("${identity_env[@]}")
  # The console calls the services and the identity service through the gateway, with the signed-in person's token.
  [[ $name != console ]] || extra=(Console__Gateway=http://127.0.0.1:5080/)
  # The front door first (docs/adr/0050): when the machine is busy draining, the services behind the bus yield the CPU to
  # the gateway and intake, so that a request is still accepted (stored, 202) in milliseconds.
  priority=()
  case $name in tickets | sla | billing | notify | console) priority=(nice -n "$backend_nice") ;; esac
  sd_proc_start "$apps_run/$name.pid" "$logs/$name.log" "${priority[@]}" env -C "$(dirname "$dll")" "${extra[@]}" \
    ConnectionStrings__Database="$SERVICEDESK_PG;Database=$db_prefix$name" Urls="http://127.0.0.1:$port" dotnet "$dll"
done
wait_ready gateway 5080

demo_contact=7c9e6679-7425-40de-944b-e07fc1f90ae7 # Dana Reyes, seeded with the demo client (docs/adr/0025)
token() { dotnet "$root/tools/Tokens/bin/Release/net10.0/Tokens.dll" "$@" 8>&-; }
cat <<EOT

ServiceDesk is running (started in ${SECONDS} s). Gateway: http://127.0.0.1:5080   API docs: http://127.0.0.1:5080/docs   (Ctrl-C stops everything)
  Staff console: http://127.0.0.1:5080/console/ (sign in as tess@msp.example or dan@msp.example, below)
  Data: $data
  Logs: $logs/
  Mail sent by notify: $mail/new/
  Email intake token: $email_token_file (tools/mail-pipe: SERVICEDESK_URL=http://127.0.0.1:5080 SERVICEDESK_MAIL_TOKEN_FILE=$email_token_file)
  Tokens (8 h; more with scripts/token.sh):
    STAFF=$(token technician --sub tess)
    CLIENT=$(token client-user --client $demo_client --contact $demo_contact --sub dana)
  Try:  curl -i http://127.0.0.1:5080/api/requests -H "Authorization: Bearer \$CLIENT" -H 'Content-Type: application/json' \\
          -d '{"subject":"Printer jams","description":"Front desk printer"}'
        then GET the Location it returns with the same header. The acknowledgement goes to Dana (dana@acme-dental.example).
  Sign in: http://127.0.0.1:5080/account/login  password for every demo user: $demo_password
    admin@msp.example (admin), tess@msp.example (technician), dan@msp.example (dispatcher): set up an authenticator app (TOTP) at the first sign-in
    dana@acme-dental.example (client user, contact Dana Reyes), sam@acme-dental.example (client admin, contact Sam Ortiz)
    Apps sign people in with authorization code + PKCE at http://127.0.0.1:5080/connect/authorize (client "portal").
  Machine access (integrators): curl -s http://127.0.0.1:5080/connect/token -d grant_type=client_credentials \\
          -d client_id=demo-integrator --data-urlencode client_secret=$integrator_secret   # a dispatcher's access token
EOT
# Until Ctrl-C or SIGTERM; an app that exits early leaves its reason in its log.
wait
