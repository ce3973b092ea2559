#!/usr/bin/env bash
# Benchmarks on the lab, run by hand (as root): every figure in one run, on the same data, so the
# ratios hold on a small, noisy machine. Writes a Markdown table to stdout and Benchmarks/last-run.md.
#
#   Benchmarks/run.sh                 LARGE (4 x 512 MiB) and SMALL (20,000 files of 1-64 KiB in 200 folders)
#   BENCH_LARGE_N=2 BENCH_LARGE_MIB=256 BENCH_SMALL_N=5000 Benchmarks/run.sh     a quicker run
#   BENCH_HUGE=1 Benchmarks/run.sh    also peak memory of a full pass and a no-change delta on a 200,000-entry share
#   BENCH_ONLY_HUGE=1 Benchmarks/run.sh    only that
#   BENCH_SKIP_LARGE=1 Benchmarks/run.sh   SMALL only
#   BENCH_KEEP=1 Benchmarks/run.sh    leaves the last dataset on the source
#   BENCH_ROUNDS=3 Benchmarks/run.sh  every step of a dataset that many times, alternating (default 2); the best of each counts
set -euo pipefail
cd "$(dirname "$0")/.."
LARGE_N=${BENCH_LARGE_N:-4}
LARGE_MIB=${BENCH_LARGE_MIB:-512}
SMALL_N=${BENCH_SMALL_N:-20000}
SMALL_DIRS=${BENCH_SMALL_DIRS:-200}
WORKERS=${BENCH_WORKERS:-4}
ROUNDS=${BENCH_ROUNDS:-2}
ROOT=${MIGRATE_LAB_ROOT:-/tmp/migrate-lab}
LEGACY=127.0.0.21 MODERN=127.0.0.22
SRC="$ROOT/legacy/share/Bench" DST="$ROOT/modern/share/Bench"
WORK=$(mktemp -d /tmp/migrate-bench.XXXXXX)
SHM=/dev/shm/migrate-bench
trap 'rm -rf "$WORK" "$SHM" "$ROOT/bench-trash"' EXIT

Lab/lab.sh up >/dev/null
swift build -c release >/dev/null
BIN=$(swift build -c release --show-bin-path)/migrate
PW=$(cat "$ROOT/secrets/labadmin.pw")
S1=(--option='client min protocol=NT1')

# Emptying the target moves its folder aside instead of deleting: ext4 without a journal (these
# machines' root) makes every file created within a minute or more of a mass delete scan past the
# deleted inodes (find_inode_bit -> recently_deleted), which cost the steps right after a cleanup
# up to a quarter of the target server's CPU on SMALL. A real migration writes into a target that
# saw no such delete, and so does every step here. The trash goes once the dataset is done.
TRASH="$ROOT/bench-trash"
clean_target() { mkdir -p "$TRASH"; mv "$DST" "$TRASH/$(date +%s%N)"; mkdir -p "$DST"; }
empty_trash() { rm -rf "$TRASH"; }
busy() { # CPU seconds the whole machine has spent busy so far (servers, clients, kernel; not idle, iowait or steal)
  awk -v hz="$(getconf CLK_TCK)" '/^cpu /{print ($2 + $3 + $4 + $7 + $8) / hz}' /proc/stat
}
measure() { # command... -> "wall-seconds peak-RSS-KiB machine-busy-CPU-seconds" (RSS: the largest process of the command)
  local b0 b1
  b0=$(busy)
  /usr/bin/time -o "$WORK/time" -f '%e %M' "$@" >"$WORK/out" 2>"$WORK/err" || { tail -3 "$WORK/err" >&2; }
  b1=$(busy)
  echo "$(tail -1 "$WORK/time") $(awk -v a="$b0" -v b="$b1" 'BEGIN{print b - a}')"
}

make_large() {
  rm -rf "$SRC/LARGE"; mkdir -p "$WORK/large"
  for i in $(seq 1 "$LARGE_N"); do head -c "$((LARGE_MIB << 20))" /dev/urandom > "$WORK/large/file-$i.bin"; done
  smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "mkdir LARGE; cd LARGE; lcd $WORK/large; prompt off; mput *" >/dev/null 2>&1
  rm -rf "$WORK/large"
}

make_small() {
  # Made in the server's folder (fast), then ACLs and attributes set through SMB on part of it.
  rm -rf "$SRC/SMALL"; mkdir -p "$SRC/SMALL"
  python3 - "$SRC/SMALL" "$SMALL_N" "$SMALL_DIRS" <<'PY'
import os, random, sys
root, n, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
for d in range(dirs):
    os.makedirs(f"{root}/dir{d:03d}", exist_ok=True)
for i in range(n):
    p = f"{root}/dir{i % dirs:03d}/file{i:05d}.dat"
    with open(p, "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 64 * 1024)))
    t = 1_100_000_000 + i * 3600
    os.utime(p, (t, t))
PY
  local cmds="" acl
  for d in $(seq 0 20 $((SMALL_DIRS - 1))); do cmds+="setmode \"SMALL\\dir$(printf %03d "$d")\\file$(printf %05d "$d").dat\" +rh; "; done
  smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "$cmds" >/dev/null
  for d in $(seq 0 10 $((SMALL_DIRS - 1))); do
    smbcacls "//$LEGACY/Bench" "SMALL/dir$(printf %03d "$d")" -U "labadmin%$PW" "${S1[@]}" --sddl \
      --set 'D:ARAI(A;OICI;0x1f01ff;;;SY)(A;OICI;0x1f01ff;;;BA)(A;OICI;0x1301bf;;;S-1-5-21-1004336348-1177238915-682003330-1105)' >/dev/null
  done
}

plan() { # dataset
  cat > "$WORK/$1.yaml" <<YAML
migration: bench $1
catalog: $WORK/$1.sqlite
servers:
  legacy: {host: $LEGACY, user: migrator, password_file: $ROOT/secrets/migrator.pw}
  modern: {host: $MODERN, user: migrator, password_file: $ROOT/secrets/migrator.pw}
shares:
  - {name: $1, source: //legacy/Bench, target: //modern/Bench, include: ['*'], exclude: ['$( [ "$1" = LARGE ] && echo SMALL || echo LARGE )']}
acl:
  mode: translate
  map: {'S-1-5-21-1004336348-1177238915-682003330-1105': 'S-1-5-21-2610735126-3353893720-2480147207-2105'}
YAML
  echo "$WORK/$1.yaml"
}

run_dataset() { # name files bytes
  local name=$1 files=$2 bytes=$3 p r results="$WORK/results-$1"
  p=$(plan "$name")
  : > "$results"
  step() { # name command... : one measured step, appended to the results as "round step wall rss cpu"
    local label=$1; shift
    echo "$r $label $(measure "$@")" >> "$results"
  }
  # Rounds alternate every step, so a slow spell of the machine hits all of them alike.
  for r in $(seq 1 "$ROUNDS"); do
    clean_target; rm -rf "$SHM" "$WORK/$name.sqlite"*; mkdir -p "$DST/cp" "$SHM/get" "$WORK/twohop"
    step cp cp -a "$SRC/$name" "$DST/cp/"
    clean_target
    step get smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "lcd $SHM/get; prompt off; recurse on; mget $name"
    step put smbclient "//$MODERN/Bench" -U "labadmin%$PW" -c "lcd $SHM/get; prompt off; recurse on; mput $name"
    clean_target; rm -rf "$SHM/get"
    step hop1 smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "lcd $WORK/twohop; prompt off; recurse on; mget $name"
    step hop2 smbclient "//$MODERN/Bench" -U "labadmin%$PW" -c "lcd $WORK/twohop; prompt off; recurse on; mput $name"
    mkdir -p "$TRASH"; mv "$WORK/twohop" "$TRASH/twohop-$(date +%s%N)"; clean_target
    step migrate "$BIN" sync "$p" --workers "$WORKERS"
    grep -E "full|delta" "$WORK/out" >&2 || true
    step delta "$BIN" sync "$p" --workers "$WORKERS"
    step quick "$BIN" sync "$p" --workers "$WORKERS" --quick
    grep -E "full|delta" "$WORK/out" >&2 || true
    step ls smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "recurse; ls $name\\*"
  done
  empty_trash
  python3 - "$name" "$files" "$bytes" "$results" <<'PY'
import os, sys
name, files, size, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rounds = {}
for line in open(path):
    r, step, wall, rss, cpu = line.split()
    rounds.setdefault(int(r), {})[step] = (float(wall), float(rss), float(cpu))
for r in rounds.values():   # the naive two-hop is its two halves, as one step
    r["hop"] = (r["hop1"][0] + r["hop2"][0], 0.0, r["hop1"][2] + r["hop2"][2])
best = {s: min((r[s] for r in rounds.values()), key=lambda v: v[0]) for s in rounds[1]}
peak = {s: max(r[s][1] for r in rounds.values()) for s in rounds[1]}
t = {s: v[0] for s, v in best.items()}
mb = lambda x: size / 1e6 / x
fps = lambda x: files / x
print(f"\n### {name}: {files} files, {size / 2**20:.0f} MiB (best of {len(rounds)} rounds)\n")
print("| step | seconds | MB/s | files/s |\n|---|---:|---:|---:|")
for label, s in [("cp -a between the servers' folders (physical limit)", "cp"), ("smbclient get from SMB1 (read ceiling)", "get"),
                 ("smbclient put to SMB3 (write ceiling)", "put"), ("naive two-hop: get, then put", "hop"),
                 ("migrate sync, full pass", "migrate"), ("migrate sync, no-change delta", "delta"),
                 ("migrate sync --quick, no-change delta (target from the catalog)", "quick"), ("smbclient recurse ls (bare enumeration)", "ls")]:
    print(f"| {label} | {t[s]:.2f} | {mb(t[s]):.0f} | {fps(t[s]):.0f} |")
print(f"\n- migrate / naive two-hop: **{t['hop'] / t['migrate']:.2f} x** (target: LARGE >= 1.3 x in MB/s, SMALL >= 2 x in files/s)")
print(f"- migrate / SMB3 write ceiling: **{t['put'] / t['migrate']:.2f} x** (target for LARGE: >= 0.85 x)")
print(f"- no-change delta / bare enumeration: **{t['delta'] / t['ls']:.2f} x**, with --quick **{t['quick'] / t['ls']:.2f} x** (target: <= 1.5 x)")
per_round = ", ".join(f"{r['hop'][0] / r['migrate'][0]:.2f} x" for r in rounds.values())
deltas = ", ".join(f"{r['delta'][0] / r['ls'][0]:.2f} x" for r in rounds.values())
print(f"- each round: migrate / naive {per_round}; delta / enumeration {deltas}")
ms = lambda c: 1000 * c / files
cores = os.cpu_count()
print(f"- machine CPU per file (all processes, both servers; best rounds): put {ms(best['put'][2]):.2f} ms, naive two-hop {ms(best['hop'][2]):.2f} ms, "
      f"migrate {ms(best['migrate'][2]):.2f} ms; migrate kept the cores {100 * best['migrate'][2] / (t['migrate'] * cores):.0f} % busy, "
      f"the naive copy {100 * best['hop'][2] / (t['hop'] * cores):.0f} %")
print(f"- peak memory: full pass {peak['migrate'] / 1024:.0f} MiB, delta {peak['delta'] / 1024:.0f} MiB (coordinator or largest worker)")
PY
}

exec > >(tee Benchmarks/last-run.md)
echo "## Benchmark run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $WORKERS workers"
mkdir -p "$SRC" "$DST"
if [ "${BENCH_ONLY_HUGE:-0}" != 1 ]; then
  if [ "${BENCH_SKIP_LARGE:-0}" != 1 ]; then
    make_large
    run_dataset LARGE "$LARGE_N" "$((LARGE_N * LARGE_MIB << 20))"
    rm -rf "$SRC/LARGE"; clean_target
  fi
  make_small
  run_dataset SMALL "$SMALL_N" "$(du -sb "$SRC/SMALL" | cut -f1)"
fi
if [ "${BENCH_HUGE:-0}" = 1 ] || [ "${BENCH_ONLY_HUGE:-0}" = 1 ]; then
  rm -rf "$SRC/SMALL"; clean_target
  SMALL_N=200000 SMALL_DIRS=2000 make_small
  p=$(plan SMALL)
  read -r tf mf _ < <(measure "$BIN" sync "$p" --workers "$WORKERS" --acl-check none)
  read -r t m _ < <(measure "$BIN" sync "$p" --workers "$WORKERS" --acl-check none)
  echo; echo "- 200,000 entries: full pass $tf s, peak memory $((mf / 1024)) MiB; no-change delta $t s, peak memory $((m / 1024)) MiB (target <= 150 MiB)"
fi
# BENCH_KEEP=1 leaves the datasets on the source (for profiling by hand).
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$SRC"/*
clean_target
