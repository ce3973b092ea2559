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
#   Source -> target pairs, each measured in the same rounds: plain (LEGACY -> MODERN), signed
#   (LEGACY -> SIGNED, which requires signing; BENCH_SIGNING=0 leaves it out); with
#   BENCH_ENCRYPTION=1 sealed (LEGACY -> MODERN's SealedBench, which requires encryption); with
#   BENCH_SMB1_SIGNING=1 dcsource (LEGACYDC, the same folder served with SMB1 signing required,
#   -> MODERN); with BENCH_SMB3_SOURCE=1 smb3source (MODERN's BenchSource, the same folder over
#   SMB3, -> SIGNED).
set -euo pipefail
cd "$(dirname "$0")/.."
LARGE_N=${BENCH_LARGE_N:-4}
LARGE_MIB=${BENCH_LARGE_MIB:-512}
SMALL_N=${BENCH_SMALL_N:-20000}
SMALL_DIRS=${BENCH_SMALL_DIRS:-200}
WORKERS=${BENCH_WORKERS:-4}
ROUNDS=${BENCH_ROUNDS:-2}
ROOT=${MIGRATE_LAB_ROOT:-/tmp/migrate-lab}
LEGACY=127.0.0.21 MODERN=127.0.0.22 SIGNED=127.0.0.23 LEGACYDC=127.0.0.24
SRC="$ROOT/legacy/share/Bench"
# label source-host source-share target-host target-share target-backing-folder
TARGETS=("plain $LEGACY Bench $MODERN Bench $ROOT/modern/share/Bench")
[ "${BENCH_SIGNING:-1}" = 1 ] && TARGETS+=("signed $LEGACY Bench $SIGNED Bench $ROOT/signed/share/Bench")
[ "${BENCH_ENCRYPTION:-0}" = 1 ] && TARGETS+=("sealed $LEGACY Bench $MODERN SealedBench $ROOT/modern/share/SealedBench")
[ "${BENCH_SMB1_SIGNING:-0}" = 1 ] && TARGETS+=("dcsource $LEGACYDC Bench $MODERN Bench $ROOT/modern/share/Bench")
[ "${BENCH_SMB3_SOURCE:-0}" = 1 ] && TARGETS+=("smb3source $MODERN BenchSource $SIGNED Bench $ROOT/signed/share/Bench")
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
clean_target() { # backing folder
  mkdir -p "$TRASH"; mv "$1" "$TRASH/$(date +%s%N)"; mkdir -p "$1"
}
clean_targets() { local t; for t in "${TARGETS[@]}"; do set -- $t; clean_target "$6"; done; }
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

plan() { # dataset label source-host source-share target-host target-share
  cat > "$WORK/$1-$2.yaml" <<YAML
migration: bench $1 $2
catalog: $WORK/$1-$2.sqlite
servers:
  legacy: {host: $3, user: migrator, password_file: $ROOT/secrets/migrator.pw}
  modern: {host: $5, user: migrator, password_file: $ROOT/secrets/migrator.pw}
shares:
  - {name: $1, source: //legacy/$4, target: //modern/$6, include: ['*'], exclude: ['$( [ "$1" = LARGE ] && echo SMALL || echo LARGE )']}
acl:
  mode: translate
  map: {'S-1-5-21-1004336348-1177238915-682003330-1105': 'S-1-5-21-2610735126-3353893720-2480147207-2105'}
YAML
  echo "$WORK/$1-$2.yaml"
}

run_dataset() { # name files bytes
  local name=$1 files=$2 bytes=$3 r t results="$WORK/results-$1"
  : > "$results"
  step() { # target step command... : one measured step, appended as "round target step wall rss cpu"
    local target=$1 label=$2; shift 2
    echo "$r $target $label $(measure "$@")" >> "$results"
  }
  # Rounds alternate every step and every target, so a slow spell of the machine hits all alike.
  for r in $(seq 1 "$ROUNDS"); do
    clean_targets; rm -rf "$SHM" "$WORK/twohop"; mkdir -p "$SHM/get" "$WORK/twohop"
    local plain_dir; plain_dir=$(set -- ${TARGETS[0]}; echo "$6")
    mkdir -p "$plain_dir/cp"
    step source cp cp -a "$SRC/$name" "$plain_dir/cp/"
    clean_target "$plain_dir"
    step source get smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "lcd $SHM/get; prompt off; recurse on; mget $name"
    for t in "${TARGETS[@]}"; do
      set -- $t
      local label=$1 shost=$2 sshare=$3 host=$4 share=$5 dir=$6 p
      p=$(plan "$name" "$label" "$shost" "$sshare" "$host" "$share")
      rm -rf "$WORK/$name-$label.sqlite"*
      mkdir -p "$TRASH"; [ ! -d "$WORK/twohop" ] || mv "$WORK/twohop" "$TRASH/twohop-$(date +%s%N)"; mkdir -p "$WORK/twohop"
      step "$label" ls smbclient "//$shost/$sshare" -U "labadmin%$PW" "${S1[@]}" -c "recurse; ls $name\\*"
      step "$label" hop1 smbclient "//$shost/$sshare" -U "labadmin%$PW" "${S1[@]}" -c "lcd $WORK/twohop; prompt off; recurse on; mget $name"
      # smbclient signs and encrypts where the server or share asks, as migrate does.
      step "$label" put smbclient "//$host/$share" -U "labadmin%$PW" -c "lcd $SHM/get; prompt off; recurse on; mput $name"
      clean_target "$dir"
      step "$label" hop2 smbclient "//$host/$share" -U "labadmin%$PW" -c "lcd $WORK/twohop; prompt off; recurse on; mput $name"
      clean_target "$dir"
      step "$label" migrate "$BIN" sync "$p" --workers "$WORKERS"
      grep -E "full|delta" "$WORK/out" >&2 || true
      step "$label" delta "$BIN" sync "$p" --workers "$WORKERS"
      step "$label" quick "$BIN" sync "$p" --workers "$WORKERS" --quick
      grep -E "full|delta" "$WORK/out" >&2 || true
      clean_target "$dir"
    done
    mkdir -p "$TRASH"; mv "$WORK/twohop" "$TRASH/twohop-$(date +%s%N)"
  done
  empty_trash
  python3 - "$name" "$files" "$bytes" "$results" <<'PY'
import os, sys
name, files, size, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rounds = {}
for line in open(path):
    r, target, step, wall, rss, cpu = line.split()
    rounds.setdefault(int(r), {})[(target, step)] = (float(wall), float(rss), float(cpu))
targets = [t for t, s in rounds[1] if s == "migrate"]
for r in rounds.values():   # the naive two-hop is its two halves, as one step
    for tg in targets:
        r[(tg, "hop")] = (r[(tg, "hop1")][0] + r[(tg, "hop2")][0], 0.0, r[(tg, "hop1")][2] + r[(tg, "hop2")][2])
best = {k: min((r[k] for r in rounds.values()), key=lambda v: v[0]) for k in rounds[1]}
peak = {k: max(r[k][1] for r in rounds.values()) for k in rounds[1]}
t = {k: v[0] for k, v in best.items()}
src = lambda s: t[("source", s)]
mb = lambda x: size / 1e6 / x
fps = lambda x: files / x
print(f"\n### {name}: {files} files, {size / 2**20:.0f} MiB (best of {len(rounds)} rounds)\n")
print("| step | " + " | ".join(f"{tg}: seconds | MB/s | files/s" for tg in targets) + " |")
print("|---|" + "---:|---:|---:|" * len(targets))
rows = [("cp -a between the servers' folders (physical limit)", "cp"), ("smbclient get from LEGACY, SMB1 (read ceiling)", "get")]
for label, s in rows:
    cells = " | ".join(f"{src(s):.2f} | {mb(src(s)):.0f} | {fps(src(s)):.0f}" for _ in targets)
    print(f"| {label} | {cells} |")
for label, s in [("smbclient recurse ls of the source (bare enumeration)", "ls"),
                 ("smbclient put to the target (write ceiling)", "put"), ("naive two-hop: get, then put", "hop"),
                 ("migrate sync, full pass", "migrate"), ("migrate sync, no-change delta", "delta"),
                 ("migrate sync --quick, no-change delta (target from the catalog)", "quick")]:
    cells = " | ".join(f"{t[(tg, s)]:.2f} | {mb(t[(tg, s)]):.0f} | {fps(t[(tg, s)]):.0f}" for tg in targets)
    print(f"| {label} | {cells} |")
print()
ms = lambda c: 1000 * c / files
cores = os.cpu_count()
for tg in targets:
    g = lambda s: t[(tg, s)]
    per_round = ", ".join(f"{r[(tg, 'hop')][0] / r[(tg, 'migrate')][0]:.2f} x" for r in rounds.values())
    deltas = ", ".join(f"{r[(tg, 'delta')][0] / r[(tg, 'ls')][0]:.2f} x" for r in rounds.values())
    print(f"- **{tg}**: migrate / naive two-hop **{g('hop') / g('migrate'):.2f} x** (rounds {per_round}); migrate / write ceiling "
          f"**{g('put') / g('migrate'):.2f} x**; no-change delta / bare enumeration **{g('delta') / g('ls'):.2f} x** (rounds {deltas}), "
          f"--quick **{g('quick') / g('ls'):.2f} x**")
    print(f"  - machine CPU per file: put {ms(best[(tg, 'put')][2]):.2f} ms, naive {ms(best[(tg, 'hop')][2]):.2f} ms, migrate "
          f"{ms(best[(tg, 'migrate')][2]):.2f} ms (cores {100 * best[(tg, 'migrate')][2] / (g('migrate') * cores):.0f} % busy); "
          f"peak memory full pass {peak[(tg, 'migrate')] / 1024:.0f} MiB, delta {peak[(tg, 'delta')] / 1024:.0f} MiB")
for tg in targets[1:]:
    ratios = ", ".join(f"{r[('plain', 'migrate')][0] / r[(tg, 'migrate')][0]:.2f} x" for r in rounds.values())
    print(f"- **{tg} against plain**: migrate {t[('plain', 'migrate')] / t[(tg, 'migrate')]:.2f} x the speed of migrate to the plain target (rounds {ratios})")
PY
}

exec > >(tee Benchmarks/last-run.md)
echo "## Benchmark run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $WORKERS workers"
mkdir -p "$SRC"; clean_targets
if [ "${BENCH_ONLY_HUGE:-0}" != 1 ]; then
  if [ "${BENCH_SKIP_LARGE:-0}" != 1 ]; then
    make_large
    run_dataset LARGE "$LARGE_N" "$((LARGE_N * LARGE_MIB << 20))"
    rm -rf "$SRC/LARGE"; clean_targets
  fi
  make_small
  run_dataset SMALL "$SMALL_N" "$(du -sb "$SRC/SMALL" | cut -f1)"
fi
if [ "${BENCH_HUGE:-0}" = 1 ] || [ "${BENCH_ONLY_HUGE:-0}" = 1 ]; then
  rm -rf "$SRC/SMALL"; clean_targets
  SMALL_N=200000 SMALL_DIRS=2000 make_small
  p=$(plan SMALL plain "$LEGACY" Bench "$MODERN" Bench)
  read -r tf mf _ < <(measure "$BIN" sync "$p" --workers "$WORKERS" --acl-check none)
  read -r t m _ < <(measure "$BIN" sync "$p" --workers "$WORKERS" --acl-check none)
  echo; echo "- 200,000 entries: full pass $tf s, peak memory $((mf / 1024)) MiB; no-change delta $t s, peak memory $((m / 1024)) MiB (target <= 150 MiB)"
fi
# BENCH_KEEP=1 leaves the datasets on the source (for profiling by hand).
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$SRC"/*
clean_targets
