# Starts and stops the processes a script owns, exactly those. Sourced by scripts/run.sh (and its test).
#
# Each process started here is recorded in a pid file as "pid start-time boot-id": the start time (clock ticks
# after boot, /proc/<pid>/stat field 22) and the boot id tell our process apart from a later one that got the same
# pid, so a stop never signals someone else's process. A command line proves nothing (the mail server's does not
# name the checkout, and another checkout's looks the same), so it is not looked at.

sd_boot_id() { cat /proc/sys/kernel/random/boot_id; }

# The start time of process $1, or nothing when it is gone or a zombie (pid 1 here may never reap one).
sd_start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -ra fields <<<"${stat##*) }" # after "(comm) ": field 3 (state) onward; comm may hold spaces
  [[ ${fields[0]} != [ZX] ]] || return 1
  echo "${fields[19]}"
}

# Runs "$@" in the background with its output in log $2, and records it in pid file $1.
sd_proc_start() {
  local pidfile=$1 log=$2 pid
  shift 2
  # fd 8 is run.sh's lock: a child that kept it would keep the checkout locked after run.sh is gone.
  (exec "$@" >"$log" 2>&1 8>&-) &
  pid=$!
  # The subshell's start time is the one the command keeps (exec does not change it); "-" if it is gone already.
  echo "$pid $(sd_start_time "$pid" || echo -) $(sd_boot_id)" >"$pidfile"
}

# True when pid file $1 names a process that is still the one we started.
sd_proc_alive() {
  local pid started boot now
  read -r pid started boot 2>/dev/null <"$1" || return 1
  [[ $pid =~ ^[0-9]+$ && $boot == "$(sd_boot_id)" ]] || return 1
  now=$(sd_start_time "$pid") && [[ $now == "$started" ]]
}

# Stops the process of pid file $1 (SIGTERM, then SIGKILL after $2 seconds, default 10) if it is still ours,
# and removes the pid file either way.
sd_proc_stop() {
  local pidfile=$1 grace=${2:-10} pid deadline
  if sd_proc_alive "$pidfile"; then
    read -r pid _ <"$pidfile"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while sd_proc_alive "$pidfile" && ((SECONDS < deadline)); do sleep 0.1; done
    if sd_proc_alive "$pidfile"; then kill -KILL "$pid" 2>/dev/null || true; fi
    while sd_proc_alive "$pidfile"; do sleep 0.1; done
  fi
  rm -f "$pidfile"
}

# Stops every process recorded in folder $1 (*.pid), all at once, so that the slowest sets the pace.
sd_proc_stop_all() {
  local pidfile stoppers=()
  for pidfile in "$1"/*.pid; do
    [[ -e $pidfile ]] || continue
    sd_proc_stop "$pidfile" &
    stoppers+=($!)
  done
  # Only the stoppers: a plain `wait` would also wait for every other child of the caller.
  ((${#stoppers[@]} == 0)) || wait "${stoppers[@]}"
}

# One run per checkout: takes the lock in folder $1 on fd 8, held until the calling script ends, or says who holds
# it and fails. Every child must be started without fd 8 (8>&-), or it would keep the lock after the script is gone.
sd_run_lock() {
  exec 8>"$1/run.lock"
  if ! flock -n 8; then
    echo "ServiceDesk is already running from this checkout (scripts/run.sh, pid $(cat "$1/run.pid" 2>/dev/null || echo '?'))." >&2
    echo "Stop it first: Ctrl-C in its terminal, or kill that pid." >&2
    return 1
  fi
  echo $$ >"$1/run.pid"
}
