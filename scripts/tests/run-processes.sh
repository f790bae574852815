#!/usr/bin/env bash
# Tests of scripts/lib/processes.sh, the start/stop of scripts/run.sh: a stand-in for run.sh (same lock, same
# start, same trap and stop) starts the development mail server (aiosmtpd, whose command line does not name the
# checkout) and a stand-in app, and each case checks what a user of run.sh would notice. Needs python3-aiosmtpd.
# Prints "N passed, N failed" and exits 1 on a failure.
set -uo pipefail
lib=$(cd "$(dirname "$0")/../lib" && pwd -P)/processes.sh
source "$lib"
work=$(mktemp -d)
# Whatever a failed case left running is stopped the way run.sh would stop it.
trap 'for apps in "$work"/*/apps; do sd_proc_stop_all "$apps"; done; rm -rf "$work"' EXIT
passed=0 failed=0

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { sd_start_time "$1" >/dev/null; }
gone() { ! alive "$1"; }
# Polls "$@" for up to 20 s.
eventually() { local i; for i in $(seq 200); do "$@" && return 0; sleep 0.1; done; return 1; }
recorded_pid() { read -r pid _ <"$1" && echo "$pid"; }
# Each case runs in a subshell, so an exit here ends the case (set -e would not: it is off inside an `if`).
check() { "$@" || { echo "    not true: $*" >&2; exit 1; }; }
no_file() { [[ ! -e $1 ]]; }
closed() { ! port_open "$1"; }

# The stand-in for run.sh: run folder $1, mail port $2. Like run.sh it takes the lock, stops a killed run's
# leftovers, starts its processes through the library and stops them on exit, SIGINT and SIGTERM.
cat >"$work/fake-run.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source "$lib"
run=\$1
mkdir -p "\$run/apps"
sd_run_lock "\$run" || exit 1
sd_proc_stop_all "\$run/apps"
trap 'trap - EXIT INT TERM; sd_proc_stop_all "\$run/apps"; rm -f "\$run/run.pid"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "\$run/mail"
sd_proc_start "\$run/apps/mail.pid" "\$run/mail.log" /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:\$2" -c aiosmtpd.handlers.Mailbox "\$run/mail"
sd_proc_start "\$run/apps/app.pid" "\$run/app.log" sleep 600
echo started >"\$run/started"
wait
EOF
chmod +x "$work/fake-run.sh"

# Starts a stand-in run in folder $1 and waits until it started everything and its mail server answers on port $2;
# echoes its pid.
start_run() {
  rm -f "$1/started"
  "$work/fake-run.sh" "$1" "$2" >"$1.out" 2>&1 &
  local pid=$!
  eventually test -e "$1/started" && eventually port_open "$2" ||
    { echo "the stand-in run did not start its mail server: $(cat "$1.out")" >&2; return 1; }
  echo "$pid"
}

case_() { # name, function
  if ( "$2" ); then
    echo "  passed: $1"; passed=$((passed + 1))
  else
    echo "  FAILED: $1"; failed=$((failed + 1))
  fi
}

Sigterm_stops_every_process_it_started_including_the_mail_server() {
  local run=$work/sigterm port mail app runner
  port=$(free_port)
  mkdir -p "$run"
  runner=$(start_run "$run" "$port") || exit 1
  mail=$(recorded_pid "$run/apps/mail.pid") app=$(recorded_pid "$run/apps/app.pid")
  check alive "$mail"
  check alive "$app"
  kill -TERM "$runner"
  check eventually gone "$runner"
  check gone "$mail"
  check gone "$app"
  check closed "$port"
  check no_file "$run/apps/mail.pid"
  check no_file "$run/apps/app.pid"
}

A_killed_runs_leftovers_are_stopped_by_the_next_run() {
  local run=$work/killed port mail app runner
  port=$(free_port)
  mkdir -p "$run"
  runner=$(start_run "$run" "$port") || exit 1
  mail=$(recorded_pid "$run/apps/mail.pid") app=$(recorded_pid "$run/apps/app.pid")
  kill -KILL "$runner"
  check eventually gone "$runner"
  check alive "$mail" # a SIGKILL runs no trap: both are still there
  check alive "$app"
  runner=$(start_run "$run" "$port") || exit 1 # the next run starts its own mail server on the same port
  check gone "$mail"
  check gone "$app"
  kill -TERM "$runner"
  check eventually gone "$runner"
}

A_pid_now_used_by_another_process_is_never_signalled() {
  local run=$work/reused other started
  mkdir -p "$run/apps"
  sleep 600 &
  other=$!
  started=$(sd_start_time "$other")
  # The pid as a process we started long ago would have recorded it: another start time, then another boot.
  echo "$other $((started - 1)) $(sd_boot_id)" >"$run/apps/old.pid"
  sd_proc_stop_all "$run/apps"
  check alive "$other"
  check no_file "$run/apps/old.pid"
  echo "$other $started 00000000-0000-0000-0000-000000000000" >"$run/apps/old.pid"
  sd_proc_stop_all "$run/apps"
  check alive "$other"
  check no_file "$run/apps/old.pid"
  kill "$other"
}

A_second_run_of_the_same_checkout_is_refused_and_changes_nothing() {
  local run=$work/twice port mail runner rc=0
  port=$(free_port)
  mkdir -p "$run"
  runner=$(start_run "$run" "$port") || exit 1
  mail=$(recorded_pid "$run/apps/mail.pid")
  "$work/fake-run.sh" "$run" "$(free_port)" >"$run.second" 2>&1 || rc=$?
  check test "$rc" = 1
  check grep -q "already running from this checkout (scripts/run.sh, pid $runner)" "$run.second"
  check alive "$mail"
  check port_open "$port"
  kill -TERM "$runner"
  check eventually gone "$runner"
  check gone "$mail"
}

echo "scripts/tests/run-processes.sh: starting and stopping what scripts/run.sh starts"
case_ "SIGTERM stops every process it started, the mail server included" Sigterm_stops_every_process_it_started_including_the_mail_server
case_ "a killed run's leftovers are stopped by the next run" A_killed_runs_leftovers_are_stopped_by_the_next_run
case_ "a pid now used by another process is never signalled" A_pid_now_used_by_another_process_is_never_signalled
case_ "a second run of the same checkout is refused and changes nothing" A_second_run_of_the_same_checkout_is_refused_and_changes_nothing
echo "$passed passed, $failed failed"
((failed == 0))
