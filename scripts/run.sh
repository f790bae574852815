#!/usr/bin/env bash
# Runs the whole system on this machine, everything bound to 127.0.0.1: RabbitMQ and PostgreSQL from the OS
# packages (installed if missing, data under .data/), a development mail server that keeps every message under
# .data/mail/, the five services, the SMS channel and the gateway. Ctrl-C stops everything this script started.
# Ports: gateway 5080; services 5101-5105; SMS channel 5106; mail 2525. OTEL_EXPORTER_OTLP_ENDPOINT, if set, receives telemetry.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)

if scripts/infra.sh status >/dev/null 2>&1; then infra_started=false; else infra_started=true; fi
infra_env=$(scripts/infra.sh start) # a plain eval "$(...)" would hide a failed start
eval "$infra_env"
data=$(realpath "$(dirname "$SERVICEDESK_RABBITMQCTL")/..") # infra data folder (.data, or /var/tmp for untraversable checkouts)
run=$data/run
mkdir -p "$run" "$data/logs" "$data/mail"/{tmp,new,cur}

# name:project:port for each app; the gateway last, once its services answer.
apps=(
  intake:services/intake/Intake.Api:5101
  tickets:services/tickets/Tickets.Api:5102
  sla:services/sla/Sla.Api:5103
  billing:services/billing/Billing.Api:5104
  notify:services/notify/Notify.Api:5105
  sms:channels/Sms/Sms.Channel:5106
  gateway:gateway/Gateway:5080
)

# A previous run that was killed (not Ctrl-C'd) leaves its apps running: stop those, and only those.
stop_pidfile() {
  local pidfile=$1 pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ -n $pid ]] && grep -qzF -- "$root" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
for pidfile in "$run"/app-*.pid; do [[ -e $pidfile ]] && stop_pidfile "$pidfile"; done

cleanup() {
  trap - EXIT INT TERM
  echo "Stopping ServiceDesk..."
  for pidfile in "$run"/app-*.pid; do [[ -e $pidfile ]] && stop_pidfile "$pidfile"; done
  if $infra_started; then scripts/infra.sh stop; fi
}
trap cleanup EXIT INT TERM

dotnet build ServiceDesk.slnx -c Release -v quiet -nologo

# Development mail server: nothing leaves the machine; read the messages in .data/mail/new.
if ! (exec 3<>/dev/tcp/127.0.0.1/2525) 2>/dev/null; then
  /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox "$data/mail" \
    >"$data/logs/mail.log" 2>&1 &
  echo $! >"$run/app-mail.pid"
fi

# The key that signs local bearer tokens: made once per checkout, kept out of the repo, shared by all apps.
key_file=$data/auth-signing-key
[[ -s $key_file ]] || (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$key_file")
export Auth__SigningKey
Auth__SigningKey=$(cat "$key_file")

# The SMS channel signs what it posts to intake's "sms" channel with a secret both share (made once, outside the
# repo), and checks Twilio's signature with the account's auth token (TWILIO_AUTH_TOKEN, or a local stand-in).
sms_secret_file=$data/sms-channel-secret
[[ -s $sms_secret_file ]] || (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$sms_secret_file")
export Channels__sms__Secret Channels__sms__ClientIds__0=0f8fad5b-d9cb-469f-a165-70867728950e
Channels__sms__Secret=$(cat "$sms_secret_file")
export Sms__ChannelSecret=$Channels__sms__Secret Sms__IntakeUrl=http://127.0.0.1:5080
export Sms__PublicUrl=${SMS_PUBLIC_URL:-http://127.0.0.1:5080/channels/sms/twilio}
export Sms__Twilio__AuthToken=${TWILIO_AUTH_TOKEN:-local-twilio-auth-token}

export RabbitMq__Host=$SERVICEDESK_RABBITMQ_HOST RabbitMq__Port=$SERVICEDESK_RABBITMQ_PORT
export RabbitMq__Username=$SERVICEDESK_RABBITMQ_USER RabbitMq__Password=$SERVICEDESK_RABBITMQ_PASS
for app in "${apps[@]}"; do
  IFS=: read -r name project port <<<"$app"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port (for $name) is taken by another process; stop it and try again." >&2
    exit 1
  fi
  dll="$root/$project/bin/Release/net10.0/$(basename "$project").dll"
  (cd "$(dirname "$dll")" &&
    ConnectionStrings__Database="$SERVICEDESK_PG;Database=servicedesk_$name" Urls="http://127.0.0.1:$port" \
      exec dotnet "$dll" >"$data/logs/$name.log" 2>&1) &
  echo $! >"$run/app-$name.pid"
  if [[ $name == sms ]]; then
    # The gateway goes last: wait until every service reports ready (bus and database).
    for service in "${apps[@]:0:6}"; do
      IFS=: read -r sname _ sport <<<"$service"
      for i in $(seq 120); do
        curl -fsS "http://127.0.0.1:$sport/health/ready" >/dev/null 2>&1 && break
        if ((i == 120)); then echo "$sname did not become ready; see $data/logs/$sname.log" >&2; exit 1; fi
        sleep 0.5
      done
    done
  fi
done

for i in $(seq 60); do curl -fsS http://127.0.0.1:5080/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
demo_client=0f8fad5b-d9cb-469f-a165-70867728950e
token() { dotnet "$root/tools/Tokens/bin/Release/net10.0/Tokens.dll" "$@"; }
cat <<EOT

ServiceDesk is running. Gateway: http://127.0.0.1:5080   API docs: http://127.0.0.1:5080/docs   (Ctrl-C stops everything)
  Logs: $data/logs/    Mail sent by notify: $data/mail/new/
  Tokens (8 h; more with scripts/token.sh):
    STAFF=$(token technician --sub tess)
    CLIENT=$(token client-user --client $demo_client --sub dana)
  Try:  curl -i http://127.0.0.1:5080/api/requests -H "Authorization: Bearer \$CLIENT" -H 'Content-Type: application/json' \\
          -d '{"contactEmail":"dana@acme-dental.example","subject":"Printer jams","description":"Front desk printer"}'
        then GET the Location it returns with the same header.
EOT
wait
