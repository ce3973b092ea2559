#!/usr/bin/env bash
# Benchmarks on the lab, run by hand (as root): every figure in one run, on the same data, so the
# ratios hold on a small, noisy machine. Writes a Markdown table to stdout and Benchmarks/last-run.md.
#
#   Benchmarks/run.sh                 LARGE (4 x 512 MiB) and SMALL (20,000 files of 1-64 KiB in 200 folders)
#   BENCH_LARGE_N=2 BENCH_LARGE_MIB=256 BENCH_SMALL_N=5000 Benchmarks/run.sh     a quicker run
#   BENCH_HUGE=1 Benchmarks/run.sh    also peak memory of a full pass and a no-change delta on a 200,000-entry share
#   BENCH_ONLY_HUGE=1 Benchmarks/run.sh    only that
#   BENCH_SKIP_LARGE=1 Benchmarks/run.sh   SMALL only
set -euo pipefail
cd "$(dirname "$0")/.."
LARGE_N=${BENCH_LARGE_N:-4}
LARGE_MIB=${BENCH_LARGE_MIB:-512}
SMALL_N=${BENCH_SMALL_N:-20000}
SMALL_DIRS=${BENCH_SMALL_DIRS:-200}
WORKERS=${BENCH_WORKERS:-4}
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
measure() { # command... -> "wall-seconds peak-RSS-KiB" (the largest process of the command)
  /usr/bin/time -o "$WORK/time" -f '%e %M' "$@" >"$WORK/out" 2>"$WORK/err" || { tail -3 "$WORK/err" >&2; }
  tail -1 "$WORK/time"
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
  local name=$1 files=$2 bytes=$3 p
  p=$(plan "$name")
  clean_target; rm -rf "$SHM"; mkdir -p "$DST/cp" "$SHM/get" "$WORK/twohop"
  local t_cp t_get t_put t_hop1 t_hop2 t_migrate m_migrate t_delta m_delta t_quick m_quick t_ls
  read -r t_cp _ < <(measure cp -a "$SRC/$name" "$DST/cp/")
  clean_target
  read -r t_get _ < <(measure smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "lcd $SHM/get; prompt off; recurse on; mget $name")
  read -r t_put _ < <(measure smbclient "//$MODERN/Bench" -U "labadmin%$PW" -c "lcd $SHM/get; prompt off; recurse on; mput $name")
  clean_target; rm -rf "$SHM/get"
  read -r t_hop1 _ < <(measure smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "lcd $WORK/twohop; prompt off; recurse on; mget $name")
  read -r t_hop2 _ < <(measure smbclient "//$MODERN/Bench" -U "labadmin%$PW" -c "lcd $WORK/twohop; prompt off; recurse on; mput $name")
  mkdir -p "$TRASH"; mv "$WORK/twohop" "$TRASH/twohop-$(date +%s%N)"; clean_target
  read -r t_migrate m_migrate < <(measure "$BIN" sync "$p" --workers "$WORKERS")
  grep -E "full|delta" "$WORK/out" >&2 || true
  read -r t_delta m_delta < <(measure "$BIN" sync "$p" --workers "$WORKERS")
  read -r t_quick m_quick < <(measure "$BIN" sync "$p" --workers "$WORKERS" --quick)
  grep -E "full|delta" "$WORK/out" >&2 || true
  read -r t_ls _ < <(measure smbclient "//$LEGACY/Bench" -U "labadmin%$PW" "${S1[@]}" -c "recurse; ls $name\\*")
  empty_trash
  python3 - "$name" "$files" "$bytes" "$t_cp" "$t_get" "$t_put" "$t_hop1" "$t_hop2" "$t_migrate" "$m_migrate" "$t_delta" "$m_delta" "$t_quick" "$t_ls" <<'PY'
import sys
name, files, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cp, get, put, h1, h2, mig, mmig, delta, mdelta, quick, ls = map(float, sys.argv[4:])
hop = h1 + h2
mb = lambda t: size / 1e6 / t
fps = lambda t: files / t
print(f"\n### {name}: {files} files, {size / 2**20:.0f} MiB\n")
print("| step | seconds | MB/s | files/s |\n|---|---:|---:|---:|")
for label, t in [("cp -a between the servers' folders (physical limit)", cp), ("smbclient get from SMB1 (read ceiling)", get),
                 ("smbclient put to SMB3 (write ceiling)", put), ("naive two-hop: get, then put", hop),
                 ("migrate sync, full pass", mig), ("migrate sync, no-change delta", delta),
                 ("migrate sync --quick, no-change delta (target from the catalog)", quick), ("smbclient recurse ls (bare enumeration)", ls)]:
    print(f"| {label} | {t:.1f} | {mb(t):.0f} | {fps(t):.0f} |")
print(f"\n- migrate / naive two-hop: **{hop / mig:.2f} x** (target: LARGE >= 1.3 x in MB/s, SMALL >= 2 x in files/s)")
print(f"- migrate / SMB3 write ceiling: **{put / mig:.2f} x** (target for LARGE: >= 0.85 x)")
print(f"- no-change delta / bare enumeration: **{delta / ls:.2f} x**, with --quick **{quick / ls:.2f} x** (target: <= 1.5 x)")
print(f"- peak memory: full pass {mmig / 1024:.0f} MiB, delta {mdelta / 1024:.0f} MiB (coordinator or largest worker)")
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
  read -r tf mf < <(measure "$BIN" sync "$p" --workers "$WORKERS" --acl-check none)
  read -r t m < <(measure "$BIN" sync "$p" --workers "$WORKERS" --acl-check none)
  echo; echo "- 200,000 entries: full pass $tf s, peak memory $((mf / 1024)) MiB; no-change delta $t s, peak memory $((m / 1024)) MiB (target <= 150 MiB)"
fi
rm -rf "$SRC"/* ; clean_target
