#!/usr/bin/env bash
# Local/CI infrastructure for ServiceDesk: PostgreSQL and RabbitMQ from Debian's packages,
# listening on 127.0.0.1 only, all state under <repo>/.data. No Docker, no system services.
#
#   scripts/infra.sh start|stop|status|env
#   scripts/infra.sh restart rabbitmq|postgres [s] # fault tests: a real stop, s seconds down, and start of one server
#   eval "$(scripts/infra.sh start)"   # start (progress goes to stderr), export SERVICEDESK_* vars
#   source scripts/infra.sh            # exports SERVICEDESK_* vars and defines `sd_infra <cmd>`
#
# Knobs: SD_PG_PORT (55432), SD_RABBITMQ_PORT (55672), SD_RABBITMQ_DIST_PORT (55673),
#        SD_EPMD_PORT (54369), SD_INFRA_TIMEOUT (90 s), SD_DATA_DIR (<repo>/.data)

SD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
# PostgreSQL runs as the postgres OS user, who must be able to traverse into the data folder. A checkout
# under a private home (/root/...) is not traversable, so its data goes to a per-checkout folder in /var/tmp.
sd_default_data() {
  local dir=$SD_ROOT
  while [[ $dir != / ]]; do
    # Others' execute bit, read from the octal mode: the symbolic one ends in "t" for a sticky folder like /tmp.
    (( 0$(stat -c %a "$dir") & 1 )) || { echo "/var/tmp/servicedesk-$(echo "$SD_ROOT" | md5sum | cut -c1-8)"; return; }
    dir=$(dirname "$dir")
  done
  echo "$SD_ROOT/.data"
}
SD_DATA=$(realpath -m "${SD_DATA_DIR:-$(sd_default_data)}")
SD_PG_PORT=${SD_PG_PORT:-55432}
SD_RABBITMQ_PORT=${SD_RABBITMQ_PORT:-55672}
SD_RABBITMQ_DIST_PORT=${SD_RABBITMQ_DIST_PORT:-55673}
SD_EPMD_PORT=${SD_EPMD_PORT:-54369}
SD_TIMEOUT=${SD_INFRA_TIMEOUT:-90}
SD_PACKAGES=(rabbitmq-server postgresql python3-aiosmtpd dovecot-imapd)
SD_PGDATA=$SD_DATA/pg/data
SD_PGSOCK=$SD_DATA/pg/sock
SD_RMQ=$SD_DATA/rabbitmq
SD_RUN=$SD_DATA/run
SD_CTL=$SD_DATA/bin/rabbitmqctl
SD_POLICY=/usr/sbin/policy-rc.d
SD_POLICY_CREATED=
# Every server this script starts inherits it: how an install tells another checkout's servers from apt's.
export SD_INFRA_DATA=$SD_DATA

sd_log() { echo "infra: $*" >&2; }
sd_die() { echo "infra: ERROR: $*" >&2; exit 1; }
# Fails with the tail of the server log, which usually says why.
sd_fail() { echo "infra: ERROR: $1 (last lines of $2):" >&2; tail -n 30 "$2" >&2 2>/dev/null || true; exit 1; }

# True if pid $1 is alive (not a zombie) and belongs to THIS checkout: its command line
# (postgres -D <our dir>) or environment (HOME etc. for beam/epmd) names our data dir.
# This guards against pid reuse after a crash and against other users' servers.
sd_is_ours() {
  sd_alive "$1" && grep -qzF -- "$SD_DATA" "/proc/$1/cmdline" "/proc/$1/environ" 2>/dev/null
}
# Zombies count as gone (here pid 1 may never reap re-parented children).
sd_alive() {
  local state
  [[ $1 =~ ^[0-9]+$ ]] && read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" && [[ $state != [ZX] ]]
}
sd_read_pid() { cat "$SD_RUN/$1.pid" 2>/dev/null || true; }
sd_pg_pid() { head -n1 "$SD_PGDATA/postmaster.pid" 2>/dev/null || true; }
sd_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sends signal $3 to process $2 and waits (bounded) for it to go; escalates to SIGKILL.
sd_stop_pid() {
  local name=$1 pid=$2 sig=$3 deadline=$((SECONDS + SD_TIMEOUT))
  sd_log "stopping $name (pid $pid, SIG$sig)"
  kill -"$sig" "$pid" 2>/dev/null || true
  while sd_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      sd_log "$name ignored SIG$sig for ${SD_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
}

# Polls "$@" every 0.5 s until it succeeds; fails early if server pid $2 dies, or at the deadline.
sd_wait() {
  local what=$1 pid=$2 log=$3 deadline=$((SECONDS + SD_TIMEOUT))
  shift 3
  until "$@" >/dev/null 2>&1; do
    # Alive, not "ours": we just started it, and while it execs (env, rabbitmq-server's scripts, beam) its environment
    # reads empty for a moment, which sd_is_ours would take for another process.
    sd_alive "$pid" || sd_fail "$what exited during startup" "$log"
    ((SECONDS < deadline)) || sd_fail "$what not ready after ${SD_TIMEOUT}s" "$log"
    sleep 0.5
  done
}

# Starts "$@" detached (own session, so a Ctrl-C or the CI step's end does not hit it), with no
# inherited stdout (else `eval "$(infra.sh start)"` would wait forever) and without the lock fd.
sd_spawn() {
  local pidfile=$1 log=$2
  shift 2
  (cd "$SD_RMQ" && exec setsid env "$@" </dev/null >>"$log" 2>&1 9>&-) &
  echo $! >"$pidfile"
}

# --- installation -------------------------------------------------------------------------------

# Top-level postgres/beam/epmd pids (children excluded): used to spot services apt starts. Servers that carry
# SD_INFRA_DATA were started by this script for some checkout (maybe another one, starting while we install).
sd_service_roots() {
  local d comm ppid all
  all=$(for d in /proc/[0-9]*; do
    read -r comm 2>/dev/null <"$d/comm" || continue
    case $comm in postgres | beam.smp | epmd) ;; *) continue ;; esac
    grep -qz '^SD_INFRA_DATA=' "$d/environ" 2>/dev/null || echo "${d#/proc/}"
  done)
  for d in $all; do
    read -r _ _ _ ppid _ 2>/dev/null <"/proc/$d/stat" || continue
    grep -qx "$ppid" <<<"$all" || echo "$d"
  done
}

sd_install() {
  local p missing=() before new
  for p in "${SD_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  sd_log "installing ${missing[*]} (apt output in $SD_DATA/apt.log)"
  # Debian's postinst scripts would start system-wide servers on 0.0.0.0 and default ports:
  # policy-rc.d exit 101 forbids that (invoke-rc.d and deb-systemd-invoke both honour it).
  if [[ ! -e $SD_POLICY ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$SD_POLICY" && chmod 755 "$SD_POLICY" && SD_POLICY_CREATED=1
    trap '[[ -z $SD_POLICY_CREATED ]] || rm -f "$SD_POLICY"' EXIT
  fi
  before=$(sd_service_roots)
  local rc=0
  # Only the missing ones: naming installed packages would upgrade them (and restart their services).
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"; } >>"$SD_DATA/apt.log" 2>&1 || rc=$?
  if [[ -n $SD_POLICY_CREATED ]]; then rm -f "$SD_POLICY"; SD_POLICY_CREATED=; fi
  # Belt and braces: stop only servers that appeared during OUR install, never pre-existing ones.
  new=$(grep -vxF -f <(echo "$before") <<<"$(sd_service_roots)" || true)
  for p in $new; do sd_stop_pid "$(cat "/proc/$p/comm" 2>/dev/null) started by apt" "$p" TERM; done
  ((rc == 0)) || sd_fail "apt-get failed (exit $rc)" "$SD_DATA/apt.log"
}

# --- PostgreSQL ---------------------------------------------------------------------------------

sd_pg_bin() { printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1; }
# The server refuses to run as root, so it and its tools run as the postgres OS user.
sd_as_pg() { (cd / && runuser -u postgres -- "$@" 9>&-); }

sd_pg_prepare() {
  # 755 on .data itself (inside the repo) so a restrictive umask cannot lock postgres out.
  mkdir -p "$SD_DATA/pg" && chmod 755 "$SD_DATA"
  chown postgres:postgres "$SD_DATA/pg" && chmod 700 "$SD_DATA/pg"
  touch "$SD_DATA/pg.log" && chown postgres:postgres "$SD_DATA/pg.log"
  sd_as_pg test -x "$SD_DATA/pg" -a -w "$SD_DATA/pg.log" ||
    sd_die "the postgres OS user cannot reach $SD_DATA/pg: a parent directory is not traversable" \
      "for others. Move the checkout (e.g. under /work or /tmp) or set SD_DATA_DIR to such a place."
  sd_as_pg mkdir -p "$SD_PGSOCK"
  if [[ ! -d $SD_PGDATA ]]; then
    # initdb into a temp dir and rename, so an interrupted initdb never looks like a cluster.
    sd_log "initdb $SD_PGDATA"
    rm -rf "$SD_PGDATA.tmp"
    sd_as_pg "$1/initdb" -D "$SD_PGDATA.tmp" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >>"$SD_DATA/pg.log" 2>&1 ||
      sd_fail "initdb failed" "$SD_DATA/pg.log"
    echo "include_if_exists = 'servicedesk.conf'" >>"$SD_PGDATA.tmp/postgresql.conf"
    mv "$SD_PGDATA.tmp" "$SD_PGDATA"
  fi
  # Rewritten on every start so port changes take effect; included last, so it wins.
  cat >"$SD_PGDATA/servicedesk.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $SD_PG_PORT
unix_socket_directories = '$SD_PGSOCK'
max_connections = 300
cluster_name = 'servicedesk'
EOF
  chown postgres:postgres "$SD_PGDATA/servicedesk.conf"
}

# After a crash postgres refuses to start while the pid in postmaster.pid (or in the socket lock)
# answers kill -0, which a zombie does (pid 1 here may never reap it) as does a reused pid. Once
# no live process works in the data dir (backends chdir there), those lock files are stale.
sd_pg_clear_stale() {
  local d deadline=$((SECONDS + SD_TIMEOUT))
  [[ -e $SD_PGDATA/postmaster.pid ]] || return 0
  for d in /proc/[0-9]*; do
    while [[ $d/cwd -ef $SD_PGDATA ]] && sd_alive "${d#/proc/}"; do
      ((SECONDS < deadline)) || sd_die "pid ${d#/proc/} of a crashed PostgreSQL still uses $SD_PGDATA"
      sleep 0.2
    done
  done
  sd_log "removing stale PostgreSQL lock files (previous server crashed)"
  rm -f "$SD_PGDATA/postmaster.pid" "$SD_PGSOCK"/.s.PGSQL.*
}

sd_pg_start() {
  local bin pid port
  bin=$(sd_pg_bin)
  [[ -x $bin/postgres ]] || sd_die "no PostgreSQL server found under /usr/lib/postgresql"
  pid=$(sd_pg_pid)
  if sd_is_ours "$pid"; then
    port=$(sed -n 4p "$SD_PGDATA/postmaster.pid")
    [[ $port == "$SD_PG_PORT" ]] || sd_die "our PostgreSQL runs on port $port, not $SD_PG_PORT: run '$0 stop' first"
    sd_log "PostgreSQL already running (pid $pid)"
  else
    if sd_port_busy "$SD_PG_PORT"; then sd_die "port $SD_PG_PORT is taken by a process that is not ours (another checkout?): set SD_PG_PORT"; fi
    sd_pg_prepare "$bin"
    sd_pg_clear_stale
    sd_log "starting PostgreSQL on 127.0.0.1:$SD_PG_PORT"
    sd_as_pg "$bin/pg_ctl" -D "$SD_PGDATA" -l "$SD_DATA/pg.log" -s -w -t "$SD_TIMEOUT" start >&2 ||
      sd_fail "PostgreSQL did not start" "$SD_DATA/pg.log"
  fi
  sd_as_pg "$bin/psql" -h "$SD_PGSOCK" -p "$SD_PG_PORT" -d postgres -qAt -v ON_ERROR_STOP=1 >&2 <<'SQL' ||
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'servicedesk') THEN CREATE ROLE servicedesk; END IF;
END $$;
ALTER ROLE servicedesk WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD 'servicedesk';
SQL
    sd_fail "could not create the servicedesk role" "$SD_DATA/pg.log"
  sd_wait PostgreSQL "$(sd_pg_pid)" "$SD_DATA/pg.log" "$bin/psql" \
    "host=127.0.0.1 port=$SD_PG_PORT user=servicedesk password=servicedesk dbname=postgres" -c 'select 1'
}

# --- RabbitMQ -----------------------------------------------------------------------------------

# Environment that points rabbitmq-server AND rabbitmqctl at our node, files and ports.
# -start_epmd false: neither may spawn a stray daemonised epmd; we run (and track) our own.
sd_rmq_env() {
  local erl='-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false'
  printf '%s\n' "HOME=$SD_RMQ/home" "RABBITMQ_NODENAME=servicedesk@localhost" \
    "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" "RABBITMQ_NODE_PORT=$SD_RABBITMQ_PORT" \
    "RABBITMQ_DIST_PORT=$SD_RABBITMQ_DIST_PORT" "ERL_EPMD_ADDRESS=127.0.0.1" "ERL_EPMD_PORT=$SD_EPMD_PORT" \
    "RABBITMQ_CONF_ENV_FILE=$SD_RMQ/rabbitmq-env.conf" "RABBITMQ_CONFIG_FILE=$SD_RMQ/rabbitmq.conf" \
    "RABBITMQ_ADVANCED_CONFIG_FILE=$SD_RMQ/advanced.config" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$SD_RMQ/enabled_plugins" "RABBITMQ_MNESIA_BASE=$SD_RMQ/mnesia" \
    "RABBITMQ_LOG_BASE=$SD_RMQ/log" "RABBITMQ_PID_FILE=$SD_RUN/rabbitmq.pid" \
    "ERL_CRASH_DUMP=$SD_RMQ/log/erl_crash.dump" \
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=$erl" "RABBITMQ_CTL_ERL_ARGS=$erl"
}

sd_rmq_prepare() {
  mkdir -p "$SD_RMQ/home" "$SD_RMQ/mnesia" "$SD_RMQ/log" "$SD_RUN" "$(dirname "$SD_CTL")"
  if [[ ! -s $SD_RMQ/home/.erlang.cookie ]]; then # ours, so node and CLI agree from the start
    (umask 077 && head -c 30 /dev/urandom | base64 | tr -d '+/=\n' >"$SD_RMQ/home/.erlang.cookie")
    chmod 400 "$SD_RMQ/home/.erlang.cookie"
  fi
  echo '[].' >"$SD_RMQ/enabled_plugins" # no management/prometheus/... listeners
  : >"$SD_RMQ/rabbitmq-env.conf"         # shadows /etc/rabbitmq/rabbitmq-env.conf
  printf '%s\n' '# generated by scripts/infra.sh' 'log.console = false' >"$SD_RMQ/rabbitmq.conf"
  { echo '#!/bin/sh'; echo '# Generated by scripts/infra.sh: rabbitmqctl for the ServiceDesk dev node.'
    printf 'exec env'; sd_rmq_env | while IFS= read -r kv; do printf " \\\\\n  %q" "$kv"; done
    printf ' \\\n  /usr/lib/rabbitmq/bin/rabbitmqctl "$@"\n'; } >"$SD_CTL.tmp"
  chmod 755 "$SD_CTL.tmp" && mv "$SD_CTL.tmp" "$SD_CTL"
}

sd_epmd_names() { epmd -port "$SD_EPMD_PORT" -names 2>/dev/null; }
sd_node_registered() { [[ $(sd_epmd_names) == *"name servicedesk at port"* ]]; }

sd_rmq_start() {
  local env pid log=$SD_RMQ/log/stdout.log
  mapfile -t env < <(sd_rmq_env)
  sd_rmq_prepare
  if ! sd_is_ours "$(sd_read_pid epmd)"; then
    # A node whose epmd died is unreachable for rabbitmqctl: restart it along with epmd.
    pid=$(sd_read_pid rabbitmq)
    if sd_is_ours "$pid"; then sd_stop_pid "RabbitMQ (lost its epmd)" "$pid" TERM; fi
    sd_stop_stray_epmd
    if sd_port_busy "$SD_EPMD_PORT"; then sd_die "port $SD_EPMD_PORT is taken by another process: set SD_EPMD_PORT"; fi
    sd_log "starting epmd on 127.0.0.1:$SD_EPMD_PORT"
    sd_spawn "$SD_RUN/epmd.pid" "$SD_RMQ/log/epmd.log" epmd -address 127.0.0.1 -port "$SD_EPMD_PORT"
    sd_wait epmd "$(sd_read_pid epmd)" "$SD_RMQ/log/epmd.log" sd_epmd_names
  fi
  pid=$(sd_read_pid rabbitmq)
  if sd_is_ours "$pid"; then
    sd_log "RabbitMQ already running (pid $pid)"
  else
    local p
    for p in "$SD_RABBITMQ_PORT" "$SD_RABBITMQ_DIST_PORT"; do
      if sd_port_busy "$p"; then sd_die "port $p is taken by another process: set SD_RABBITMQ_PORT / SD_RABBITMQ_DIST_PORT"; fi
    done
    sd_log "starting RabbitMQ on 127.0.0.1:$SD_RABBITMQ_PORT"
    # RUNNING_UNDER_SYSTEMD makes the script exec erl instead of forking it, so $! is beam's pid
    # and SIGTERM reaches beam directly (which shuts down gracefully).
    sd_spawn "$SD_RUN/rabbitmq.pid" "$log" "${env[@]}" RUNNING_UNDER_SYSTEMD=true /usr/lib/rabbitmq/bin/rabbitmq-server
  fi
  sd_wait RabbitMQ "$(sd_read_pid rabbitmq)" "$log" sd_node_registered
  "$SD_CTL" -q await_startup --timeout "$SD_TIMEOUT" >&2 || sd_fail "RabbitMQ did not finish booting" "$log"
  sd_port_busy "$SD_RABBITMQ_PORT" ||
    sd_die "our RabbitMQ node is up but not on port $SD_RABBITMQ_PORT (other SD_RABBITMQ_PORT?): run '$0 stop' first"
  sd_rmq_provision
}

sd_rmq_provision() {
  local users
  users=$("$SD_CTL" -q list_users) || sd_fail "rabbitmqctl list_users failed" "$SD_RMQ/log/stdout.log"
  if grep -q $'^servicedesk\t.*administrator' <<<"$users"; then return 0; fi
  sd_log "creating RabbitMQ user servicedesk"
  if ! "$SD_CTL" -q add_user servicedesk servicedesk >&2 2>/dev/null; then
    "$SD_CTL" -q change_password servicedesk servicedesk >&2
  fi
  "$SD_CTL" -q set_user_tags servicedesk administrator >&2
  "$SD_CTL" -q set_permissions -p / servicedesk '.*' '.*' '.*' >&2
}

# --- commands -----------------------------------------------------------------------------------

# Serialises start/stop of this checkout (e.g. two test jobs calling start at once).
sd_lock() {
  mkdir -p "$SD_RUN"
  exec 9>"$SD_RUN/lock"
  flock -w "$SD_TIMEOUT" 9 || sd_die "timed out waiting for $SD_RUN/lock"
}

sd_env() {
  cat <<EOF
export SERVICEDESK_PG="Host=127.0.0.1;Port=$SD_PG_PORT;Username=servicedesk;Password=servicedesk"
export SERVICEDESK_RABBITMQ_HOST="127.0.0.1"
export SERVICEDESK_RABBITMQ_PORT="$SD_RABBITMQ_PORT"
export SERVICEDESK_RABBITMQ_USER="servicedesk"
export SERVICEDESK_RABBITMQ_PASS="servicedesk"
export SERVICEDESK_RABBITMQCTL="$SD_CTL"
export SERVICEDESK_INFRA="$SD_ROOT/scripts/infra.sh"
export SERVICEDESK_DATA="$SD_DATA"
EOF
}

sd_start() {
  [[ $(id -u) == 0 ]] || sd_die "must run as root (installs packages, runs postgres as its OS user)"
  mkdir -p "$SD_DATA" && sd_lock
  sd_install
  sd_pg_start
  sd_rmq_start
  sd_log "ready: PostgreSQL 127.0.0.1:$SD_PG_PORT, RabbitMQ 127.0.0.1:$SD_RABBITMQ_PORT"
  sd_env
}

sd_stop_rabbitmq() {
  local pid
  pid=$(sd_read_pid rabbitmq); if sd_is_ours "$pid"; then sd_stop_pid RabbitMQ "$pid" TERM; fi
  pid=$(sd_read_pid epmd); if sd_is_ours "$pid"; then sd_stop_pid epmd "$pid" TERM; fi
  rm -f "$SD_RUN/rabbitmq.pid" "$SD_RUN/epmd.pid"
  sd_stop_stray_epmd
}

# An Erlang tool run while our epmd was down (e.g. rabbitmqctl during a restart) may daemonise an epmd of its own
# with our environment: ours to stop, and it would hold our port. Only processes that name our data dir qualify.
sd_stop_stray_epmd() {
  local d
  for d in /proc/[0-9]*; do
    [[ $(cat "$d/comm" 2>/dev/null) == epmd ]] || continue
    if [[ ${d#/proc/} != "$(sd_read_pid epmd)" ]] && sd_is_ours "${d#/proc/}"; then sd_stop_pid "stray epmd" "${d#/proc/}" TERM; fi
  done
}

sd_stop_postgres() {
  local pid
  pid=$(sd_pg_pid); if sd_is_ours "$pid"; then sd_stop_pid PostgreSQL "$pid" INT; fi # INT = fast shutdown
}

sd_stop() {
  [[ -d $SD_DATA ]] || return 0
  sd_lock
  sd_stop_rabbitmq
  sd_stop_postgres
  sd_log "stopped"
}

# Fault tests: stop one server for real, leave it down for $2 seconds (default 0), and start it again on the same
# port, with its data.
sd_restart() {
  local down=${2:-0}
  [[ $down =~ ^[0-9]+$ ]] || { echo "usage: $0 restart rabbitmq|postgres [seconds down]" >&2; return 2; }
  sd_lock
  case ${1:-} in
    rabbitmq) sd_stop_rabbitmq; sleep "$down"; sd_rmq_start ;;
    postgres) sd_stop_postgres; sleep "$down"; sd_pg_start ;;
    *) echo "usage: $0 restart rabbitmq|postgres [seconds down]" >&2; return 2 ;;
  esac
  sd_log "restarted $1 after ${down}s down"
}

sd_status() {
  local rc=0 name pid port
  for name in postgres:$SD_PG_PORT rabbitmq:$SD_RABBITMQ_PORT epmd:$SD_EPMD_PORT; do
    port=${name#*:} name=${name%:*}
    if [[ $name == postgres ]]; then pid=$(sd_pg_pid); else pid=$(sd_read_pid "$name"); fi
    if sd_is_ours "$pid"; then echo "$name: running (pid $pid, 127.0.0.1:$port)"; else echo "$name: stopped"; rc=3; fi
  done
  return "$rc" # 3 = not (all) running, as in LSB status
}

sd_main() {
  case ${1:-} in
    start) sd_start ;;
    stop) sd_stop ;;
    restart) sd_restart "${2:-}" "${3:-}" ;;
    status) sd_status ;;
    env) sd_env ;;
    *) echo "usage: $0 start|stop|status|env|restart rabbitmq|postgres [seconds down]" >&2; return 2 ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  sd_main "$@"
else
  # Sourced: don't impose errexit on the caller; run commands in a strict subshell instead.
  sd_infra() { (set -euo pipefail +m && sd_main "$@"); }
  eval "$(sd_env)"
fi
