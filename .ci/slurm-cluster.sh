#!/usr/bin/env bash
# A single-node Slurm cluster on 127.0.0.1, without systemd, for the Slurm test (.ci/slurm).
#   bash .ci/slurm-cluster.sh up DIR     start munged (if not running), slurmctld and slurmd
#   bash .ci/slurm-cluster.sh down DIR   stop the daemons this script started
# Needs root and the Debian packages slurmctld, slurmd, slurm-client and munge.
# State, spool, logs and pid files live in DIR; the configuration in /etc/slurm/slurm.conf.
set -euo pipefail
action=$1 dir=$2

down() {
  for d in slurmd slurmctld; do
    if [ -s "$dir/$d.pid" ]; then kill "$(cat "$dir/$d.pid")" 2>/dev/null || true; fi
  done
  if [ -s "$dir/munged.started" ] && [ -s /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  fi
}

up() {
  mkdir -p "$dir"/{state,spool,log} /etc/slurm
  # munge: the package's postinst made the key; /run/munge is systemd-tmpfiles' job.
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  if ! munge -n >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged
    echo yes > "$dir/munged.started"
    for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  munge -n | unmunge >/dev/null

  # One node, named as slurmd will look itself up (hostname -s), reached on loopback.
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/MemAvailable/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  grep -qE "^[0-9.]+[[:space:]].*\\b${host}\\b" /etc/hosts || echo "127.0.0.1 ${host}" >> /etc/hosts
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=refresh-sim-ci
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
NodeName=${host} NodeAddr=127.0.0.1 NodeHostname=${host} CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=ci Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -c # -c: a clean start, ignoring saved state
  slurmd
  local state=""
  for _ in $(seq 120); do
    state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null || true)
    [ "$state" = idle ] && return 0
    sleep 0.5
  done
  echo "the Slurm node never became idle (state '$state'); logs:" >&2
  tail -n 30 "$dir"/log/*.log >&2
  return 1
}

case $action in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
esac
