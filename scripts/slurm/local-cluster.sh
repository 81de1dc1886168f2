#!/usr/bin/env bash
# A single-node Slurm cluster in a directory, for tests and trying the pipeline on one machine
# (Debian's slurm-wlm and munge; run as root): its own munge key and socket, a generated
# slurm.conf (ports 16817/16818 unless SLURM_TEST_PORT is set, proctrack/linuxproc, task/none,
# select/cons_tres, one node with this machine's CPUs), slurmctld and slurmd.
#   bash scripts/slurm/local-cluster.sh start DIR   # prints `export SLURM_CONF=DIR/slurm.conf`
#   bash scripts/slurm/local-cluster.sh stop DIR    # stops the daemons by their pid files
# `start` exits 1 with the reason on stderr when the daemons cannot start, waiting at most 30 s
# for the node to be idle.
set -euo pipefail

cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: local-cluster.sh start|stop DIR" >&2; exit 2; }

stop() {
  for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    local alive=0
    for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
      [ -f "$pid" ] && kill -0 "$(cat "$pid")" 2>/dev/null && alive=1
    done
    [ $alive -eq 0 ] && return 0
    sleep 0.1
  done
  for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pid" ] && kill -9 "$(cat "$pid")" 2>/dev/null || true
  done
}

fail() { echo "local-cluster: $*" >&2; stop; exit 1; }

start() {
  [ "$(id -u)" -eq 0 ] || fail "the daemons run as root here (slurmd needs it); not root"
  for b in munged slurmctld slurmd sbatch sinfo; do command -v "$b" >/dev/null || fail "$b is not installed (slurm-wlm, munge)"; done
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/munge/munge.key" ] || { head -c 1024 /dev/urandom >"$dir/munge/munge.key"; chmod 600 "$dir/munge/munge.key"; }
  munged --force -S "$dir/munge/munge.socket" --key-file "$dir/munge/munge.key" --pid-file "$dir/munge/munged.pid" \
    --log-file "$dir/munge/munged.log" --seed-file "$dir/munge/seed" || fail "munged did not start ($dir/munge/munged.log)"
  local port=${SLURM_TEST_PORT:-16817} host
  host=$(hostname -s)
  cat >"$dir/slurm.conf" <<EOF
ClusterName=antslocal
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -i || fail "slurmctld did not start ($dir/slurmctld.log)"
  slurmd || fail "slurmd did not start ($dir/slurmd.log)"
  # Bounded in time: sinfo waits for an unreachable controller (say, a port another cluster holds).
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    for pid in "$dir/slurmctld.pid" "$dir/slurmd.pid"; do
      if [ -f "$pid" ] && ! kill -0 "$(cat "$pid")" 2>/dev/null; then fail "$(basename "$pid" .pid) exited; see $dir/*.log"; fi
    done
    if [ "$(timeout 5 sinfo -h -o %t 2>/dev/null)" = idle ]; then
      echo "export SLURM_CONF=$dir/slurm.conf"
      return 0
    fi
    sleep 0.1
  done
  fail "the node did not become idle in 30 s: $(timeout 5 sinfo -h -o '%t %E' 2>&1 | head -1); see $dir/slurmctld.log"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: local-cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
