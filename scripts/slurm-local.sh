#!/usr/bin/env bash
# A private single-node Slurm on localhost, for testing `flnb sweep --slurm` against a real
# scheduler (see SLURM.md). Everything (config, state, spool, pid and log files) lives in one
# folder; nothing is written under /etc or /var. Idempotent: `start` on a running cluster and
# `stop` on a stopped one do nothing and succeed.
#
#   scripts/slurm-local.sh start  [DIR]   write DIR/slurm.conf, start slurmctld + slurmd, wait for an idle node
#   scripts/slurm-local.sh stop   [DIR]   shut both daemons down and wait until they are gone
#   scripts/slurm-local.sh status [DIR]   "running" (exit 0) or "stopped" (exit 3), then sinfo
#   scripts/slurm-local.sh env    [DIR]   print `export SLURM_CONF=DIR/slurm.conf`
#
# DIR defaults to $FLNB_SLURM_DIR, else /tmp/flnb-slurm-$(id -u). Clients (sbatch, squeue,
# flnb sweep --submit) find the cluster through SLURM_CONF=DIR/slurm.conf; `start` prints
# that line on standard output (everything else goes to standard error).
#
# Authentication is AuthType=auth/none + CredType=cred/none (Debian's slurm-wlm 22.05 ships
# both plugins), so no munged is needed. Ports: $FLNB_SLURM_PORT (slurmctld; slurmd uses the
# next one), else the first free pair from 6817. Daemons run as the calling user.
#
# Exit status: 0 ok; 2 Slurm is not installed (install with
#   DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge);
# 1 the cluster could not be started or stopped (the daemon logs' tails are printed); 64 usage.
set -uo pipefail

usage() { echo "usage:" >&2; grep '^#   scripts/slurm-local.sh' "$0" | sed 's/^#//' >&2; exit 64; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
cmd=$1
dir=${2:-${FLNB_SLURM_DIR:-/tmp/flnb-slurm-$(id -u)}}
case "$cmd" in start|stop|status|env) ;; *) usage ;; esac
PATH="$PATH:/usr/sbin:/sbin"
if [ "$cmd" = start ] && ! { command -v slurmctld && command -v slurmd && command -v sbatch && command -v scontrol && command -v sinfo; } >/dev/null; then
  echo "slurm-local: Slurm is not installed (slurmctld, slurmd, sbatch, scontrol, sinfo); install it with:" >&2
  echo "slurm-local:   DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge" >&2
  exit 2
fi
if [ ! -d "$dir" ]; then
  case "$cmd" in
    start) mkdir -p "$dir" 2>/dev/null || { echo "slurm-local: cannot create $dir" >&2; exit 1; } ;;
    stop) echo "slurm-local: not running ($dir does not exist)" >&2; exit 0 ;;
    status) echo stopped; exit 3 ;;
  esac
fi
[ -d "$dir" ] && dir=$(cd "$dir" && pwd)
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

log() { echo "slurm-local: $*" >&2; }

# A process is alive when /proc/PID exists and is not a zombie (killed daemons can linger as
# zombies here, so `kill -0` is not enough).
alive() {
  local pid=$1 state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
pid_of() { [ -s "$dir/$1.pid" ] && tr -dc '0-9' < "$dir/$1.pid"; }
# A daemon of this cluster: alive, and started with this folder's slurm.conf.
ours() { alive "$1" && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$conf"; }
# The daemons' pids: recorded by `start` in DIR/daemons (a daemon deletes its pid file as soon
# as it begins to shut down, before it has exited) and from the pid files.
daemon_pids() {
  local p
  for p in $( { cat "$dir/daemons" 2>/dev/null; pid_of slurmctld; echo; pid_of slurmd; echo; } | tr -dc '0-9\n' | sort -u); do
    ours "$p" && echo "$p"
  done
}
running() { [ -n "$(daemon_pids)" ]; }
gone() { ! running; }
tails() {
  for f in "$dir/slurmctld.log" "$dir/slurmd.log"; do
    [ -s "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 15 "$f" >&2; }
  done
}
node() { hostname -s; }
node_state() { timeout 15 sinfo -h -N -n "$(node)" -o %t 2>/dev/null | head -n 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_conf() {
  local user name cpus mem_mb port
  user=$(id -un); name=$(node); cpus=$(nproc)
  mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  if [ -n "${FLNB_SLURM_PORT:-}" ]; then port=$FLNB_SLURM_PORT
  else
    port=6817
    while [ "$port" -lt 6917 ] && ! { port_free "$port" && port_free $((port + 1)); }; do port=$((port + 2)); done
  fi
  mkdir -p "$dir/state" "$dir/spool"
  cat > "$conf" <<EOF
# Written by scripts/slurm-local.sh: a private single-node Slurm for tests.
ClusterName=flnb-local
SlurmctldHost=$name(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/none
CredType=cred/none
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$name NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$name Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_until() { # SECONDS COMMAND...: polls every 0.2 s; status 1 on timeout
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.2; done
}
node_idle() {
  local s; s=$(node_state)
  case "$s" in
    idle|mix|alloc) return 0 ;;
    down*|drain*|drng*|inval*) scontrol update nodename="$(node)" state=resume >/dev/null 2>&1; return 1 ;;
    *) return 1 ;;
  esac
}
# Waits up to 30 s for an idle node; gives up at once when a daemon has died.
wait_idle() {
  local deadline=$(( $(date +%s) + 30 ))
  while true; do
    for d in slurmctld slurmd; do ours "$(pid_of $d)" || { log "$d exited"; return 1; }; done
    node_idle && return 0
    [ "$(date +%s)" -ge "$deadline" ] && { log "the node did not become idle within 30 s (state: $(node_state))"; return 1; }
    sleep 0.2
  done
}
# Starts daemon $1 (args after it) and records its pid.
launch() {
  local name=$1; shift
  "$@" 2>>"$dir/$name.log" || return 1
  wait_until 10 test -s "$dir/$name.pid" || return 1
  pid_of "$name" >> "$dir/daemons"; echo >> "$dir/daemons"
}

start() {
  if running; then
    if ours "$(pid_of slurmctld)" && ours "$(pid_of slurmd)" && timeout 15 scontrol ping >/dev/null 2>&1 && wait_until 10 node_idle; then
      log "already running in $dir"; echo "export SLURM_CONF=$conf"; return 0
    fi
    log "a half-started cluster is in $dir; restarting it"; stop_daemons
  fi
  write_conf
  rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid" "$dir/daemons"
  # -c: start from a clean state (no jobs of an earlier run), -i: ignore state read errors.
  if ! launch slurmctld slurmctld -c -i -f "$conf"; then log "slurmctld did not start"; tails; stop_daemons; exit 1; fi
  if ! launch slurmd slurmd -N "$(node)" -f "$conf"; then log "slurmd did not start"; tails; stop_daemons; exit 1; fi
  if ! wait_idle; then tails; stop_daemons; exit 1; fi
  log "running in $dir (node $(node), $(nproc) CPUs)"
  echo "export SLURM_CONF=$conf"
}

no_jobs() { [ -z "$(timeout 15 squeue -h -o %i 2>/dev/null)" ]; }
stop_daemons() {
  local pids p
  if ours "$(pid_of slurmctld)"; then
    # Jobs of this private cluster first, so no job step outlives its slurmd; then both daemons.
    timeout 20 scancel --user="$(id -un)" >/dev/null 2>&1 && wait_until 10 no_jobs
    timeout 20 scontrol shutdown >/dev/null 2>&1
    wait_until 15 gone
  fi
  if ! gone; then
    # A daemon that cannot reach the controller ignores SIGTERM while it retries; hence SIGKILL next.
    pids=$(daemon_pids); for p in $pids; do kill -TERM "$p" 2>/dev/null; done
    if ! wait_until 5 gone; then
      pids=$(daemon_pids); for p in $pids; do kill -KILL "$p" 2>/dev/null; done
      wait_until 5 gone || { log "could not stop the daemons (pids $(daemon_pids | tr '\n' ' '))"; return 1; }
    fi
  fi
  rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid" "$dir/daemons"
  return 0
}

case "$cmd" in
  start) start ;;
  stop)
    if running; then stop_daemons || exit 1; log "stopped ($dir)"; else log "not running ($dir)"; fi ;;
  status)
    if running; then echo running; sinfo 2>/dev/null; exit 0; else echo stopped; exit 3; fi ;;
  env) echo "export SLURM_CONF=$conf" ;;
esac
