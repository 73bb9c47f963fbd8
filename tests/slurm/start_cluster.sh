#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine for the tests (Debian's slurm-wlm + munge).
#   * slurmctld and slurmd run as root, ProctrackType=proctrack/linuxproc, TaskPlugin=task/none,
#     SelectType=select/cons_tres (what works in a container without cgroups or systemd);
#   * the config sits at /etc/slurm/slurm.conf so job steps (srun) find it;
#   * partitions "cpu" (default) and "gpu" on the same node; the node advertises one GPU as a
#     generic resource backed by /dev/null, so `--gpus=1` jobs are scheduled (and run on CPU);
#   * no accounting database: MinJobAge=3600 keeps finished jobs visible to squeue.
# Idempotent: a running cluster that answers sinfo is left alone. Needs root.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "start_cluster: must run as root (slurmctld/slurmd run as root here)" >&2
  exit 1
fi
for bin in slurmctld slurmd munged sinfo; do
  command -v "$bin" >/dev/null || { echo "start_cluster: $bin missing: apt-get install slurm-wlm munge" >&2; exit 1; }
done

if sinfo -h -o %T 2>/dev/null | grep -q -E "idle|mixed|alloc"; then
  echo "start_cluster: already running" >&2
  exit 0
fi

host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)

mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge 2>/dev/null || true
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || munged --force

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=chromcnn-test
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
ReturnToService=2
SchedulerType=sched/backfill
KillWait=5
InactiveLimit=0
MpiDefault=none
NodeName=${host} CPUs=${cpus} RealMemory=${mem_mb} Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=${host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=${host} Default=NO MaxTime=INFINITE State=UP
CONF
printf "AutoDetect=off\nNodeName=%s Name=gpu File=/dev/null\n" "${host}" >/etc/slurm/gres.conf

pgrep -x slurmctld >/dev/null || slurmctld -c
pgrep -x slurmd >/dev/null || slurmd -c
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -q -E "idle|mixed|alloc"; then
    scontrol update NodeName="${host}" State=RESUME >/dev/null 2>&1 || true
    echo "start_cluster: up ($(sinfo -h -o '%P %D %T' | tr '\n' ' '))" >&2
    exit 0
  fi
  sleep 1
done
echo "start_cluster: the node did not come up; see /var/log/slurm/*.log" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
