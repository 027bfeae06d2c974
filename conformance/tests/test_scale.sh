#!/usr/bin/env bash
# Running at scale: sharded certifications merge exactly. Checks, against one unsharded run
# (-j 1) of the same engine and corpus:
#   1. --shard K/N + wakecert merge for N = 1, 3, 7: same results.json apart from timing fields;
#   2. -j 2 worker processes: the same;
#   3. merge refuses a missing shard, a duplicated shard and a shard of another run;
#   4. GNU parallel (ci/parallel-certify) with 3 shards;
#   5. a real single-node Slurm on loopback (slurmctld + slurmd + munge from Debian, private key and
#      socket, started here and stopped by PID): a 4-task job array and a dependent merge job.
# Exit 0 all passed, 1 a failure, 77 (skip) only for parts whose packages are missing (reported).
# Usage: test_scale.sh WAKECERT_BINARY SOURCE_DIR WORK_DIR
set -uo pipefail
wakecert=$1
source_dir=$2
work=$3
compare="/usr/bin/python3 $source_dir/conformance/tests/compare_results.py"
rm -rf "$work"
mkdir -p "$work"
passed=0
failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
options=(--quiet --engine-check-seconds 30)

"$wakecert" certify "${options[@]}" -j 1 --out "$work/single" >/dev/null 2>&1
[[ -f "$work/single/results.json" ]] || { echo "FAIL the unsharded run wrote no results"; exit 1; }

for shards in 1 3 7; do
  dirs=()
  for ((k = 0; k < shards; k++)); do
    "$wakecert" certify "${options[@]}" -j 1 --shard "$k/$shards" --out "$work/n$shards/shard-$k" >/dev/null 2>&1
    dirs+=("$work/n$shards/shard-$k")
  done
  "$wakecert" merge "${dirs[@]}" --out "$work/n$shards/merged" --quiet >/dev/null 2>&1
  if $compare "$work/single/results.json" "$work/n$shards/merged/results.json" >/dev/null; then
    pass "$shards shards merged = unsharded"
  else
    fail "$shards shards merged != unsharded: $($compare "$work/single/results.json" "$work/n$shards/merged/results.json")"
  fi
done

# --resume keeps a finished shard (verified by its hash) instead of running it again; a changed trace is re-run.
before=$(sha256sum "$work/n3/shard-1/trace.jsonl" | cut -c1-64)
"$wakecert" certify --engine-check-seconds 30 -j 1 --resume --shard 1/3 --out "$work/n3/shard-1" >/dev/null 2>"$work/resume.err"
after=$(sha256sum "$work/n3/shard-1/trace.jsonl" | cut -c1-64)
grep -q "resuming" "$work/resume.err" && [[ "$before" == "$after" ]] && pass "--resume keeps a complete shard" \
  || fail "--resume re-ran a complete shard"
cp -r "$work/n3/shard-1" "$work/resume-changed"
echo '{"event":"garbage"}' >> "$work/resume-changed/trace.jsonl"
"$wakecert" certify --engine-check-seconds 30 -j 1 --resume --shard 1/3 --out "$work/resume-changed" >/dev/null 2>"$work/resume2.err"
same_run=0  # the re-run's trace equals the original apart from the timing in its pass_end lines
cmp -s <(grep -v pass_end "$work/resume-changed/trace.jsonl") <(grep -v pass_end "$work/n3/shard-1/trace.jsonl") && same_run=1
! grep -q "resuming" "$work/resume2.err" && [[ $same_run -eq 1 ]] && pass "--resume re-runs a shard whose trace changed" \
  || fail "--resume trusted a changed trace"

"$wakecert" certify "${options[@]}" -j 2 --out "$work/j2" >/dev/null 2>&1
if $compare "$work/single/results.json" "$work/j2/results.json" >/dev/null; then pass "-j 2 = -j 1"; else fail "-j 2 != -j 1"; fi

"$wakecert" merge "$work/n3/shard-0" "$work/n3/shard-1" --out "$work/bad1" --quiet >/dev/null 2>"$work/bad1.err"
[[ $? -eq 2 ]] && grep -q "missing" "$work/bad1.err" && pass "merge refuses a missing shard" || fail "missing shard accepted"
"$wakecert" merge "$work/n3/shard-0" "$work/n3/shard-0" "$work/n3/shard-1" "$work/n3/shard-2" --out "$work/bad2" --quiet \
  >/dev/null 2>"$work/bad2.err"
[[ $? -eq 2 ]] && grep -q "twice" "$work/bad2.err" && pass "merge refuses a duplicated shard" || fail "duplicate accepted"
"$wakecert" certify --quiet --engine-check-seconds 30 --chunk 320 -j 1 --shard 1/3 --out "$work/other" >/dev/null 2>&1
"$wakecert" merge "$work/n3/shard-0" "$work/other" "$work/n3/shard-2" --out "$work/bad3" --quiet >/dev/null 2>"$work/bad3.err"
[[ $? -eq 2 ]] && grep -q "another run" "$work/bad3.err" && pass "merge refuses a shard of another run" || fail "foreign shard accepted"
echo corrupted >> "$work/n3/shard-2/trace.jsonl"
"$wakecert" merge "$work/n3/shard-0" "$work/n3/shard-1" "$work/n3/shard-2" --out "$work/bad4" --quiet >/dev/null 2>"$work/bad4.err"
[[ $? -eq 2 ]] && grep -q "changed" "$work/bad4.err" && pass "merge refuses a changed shard trace" || fail "changed trace accepted"

skipped=""
if command -v parallel >/dev/null; then
  WAKECERT_BINARY=$wakecert "$source_dir/ci/parallel-certify" 3 "$work/parallel" "${options[@]}" >/dev/null 2>&1
  if $compare "$work/single/results.json" "$work/parallel/merged/results.json" >/dev/null; then
    pass "GNU parallel, 3 shards = unsharded"
  else
    fail "GNU parallel result differs"
  fi
else
  skipped="$skipped parallel"
fi

if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
  slurm=$work/slurm
  mkdir -p "$slurm/state" "$slurm/spool" "$slurm/munge"
  chmod 700 "$slurm/munge"
  dd if=/dev/urandom of="$slurm/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$slurm/munge/munge.key"
  munged --force --key-file="$slurm/munge/munge.key" --socket="$slurm/munge/socket" \
    --pid-file="$slurm/munge/munged.pid" --log-file="$slurm/munge/munged.log" --seed-file="$slurm/munge/seed" 2>/dev/null
  port=$((20000 + RANDOM % 20000))
  cat > "$slurm/slurm.conf" <<CONF
ClusterName=wakecert
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$slurm/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$slurm/state
SlurmdSpoolDir=$slurm/spool
SlurmctldPidFile=$slurm/slurmctld.pid
SlurmdPidFile=$slurm/slurmd.pid
SlurmctldLogFile=$slurm/slurmctld.log
SlurmdLogFile=$slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=2
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$slurm/slurm.conf
  slurmctld -D -f "$SLURM_CONF" > "$slurm/slurmctld.out" 2>&1 &
  controller=$!
  slurmd -D -N localhost -f "$SLURM_CONF" > "$slurm/slurmd.out" 2>&1 &
  node=$!
  up=0
  for i in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qE "idle|mixed"; then up=1; break; fi
    sleep 0.5
  done
  if [[ $up -eq 1 ]]; then
    pass "single-node Slurm up on loopback after $i polls"
    started=$(date +%s)
    WAKECERT_BINARY=$wakecert "$source_dir/ci/slurm/submit" 4 "$work/slurm-run" "${options[@]}" > "$slurm/submit.out" 2>&1
    merge_job=$(awk '{print $NF}' "$slurm/submit.out")
    for i in $(seq 1 600); do
      [[ -z "$(squeue -h -j "$merge_job" 2>/dev/null)" ]] && break
      sleep 0.5
    done
    echo "     Slurm array + merge took $(( $(date +%s) - started )) s"
    if [[ -f "$work/slurm-run/merged/results.json" ]] && \
       $compare "$work/single/results.json" "$work/slurm-run/merged/results.json" >/dev/null; then
      pass "Slurm job array (4 tasks) + dependent merge = unsharded"
    else
      fail "Slurm merged result missing or different (see $slurm and $work/slurm-run)"
      cat "$slurm/submit.out" "$work"/slurm-run/*.log 2>/dev/null | tail -20
    fi
  else
    fail "Slurm did not come up (see $slurm/slurmctld.log, slurmd.log)"
    tail -5 "$slurm/slurmctld.log" "$slurm/slurmd.log" 2>/dev/null
  fi
  kill "$node" "$controller" 2>/dev/null
  wait "$node" "$controller" 2>/dev/null
  [[ -f "$slurm/munge/munged.pid" ]] && kill "$(cat "$slurm/munge/munged.pid")" 2>/dev/null
  unset SLURM_CONF
else
  skipped="$skipped slurm"
fi

[[ -n "$skipped" ]] && echo "skipped (packages missing):$skipped"
echo "$passed passed, $failed failed"
[[ $failed -gt 0 ]] && exit 1
[[ -n "$skipped" ]] && exit 77
exit 0
