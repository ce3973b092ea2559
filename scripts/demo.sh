#!/usr/bin/env bash
# The demo: brings up the built-in lab (a Windows Server 2003-like SMB1 server and a modern
# SMB3 server with a DFS namespace), seeds the old server, builds migrate, runs `migrate plan`
# on Plans/lab.yaml and shows the dry-run report, then `migrate sync` twice (a full pass, then
# a delta after a change on the old server), `migrate status`, and ends with the cutover of the
# Finance share: the runbook, freeze, final sync, verify, DFS switch, decommission. Run as root on Debian.
# The lab stays up afterwards so you can look around; `Lab/lab.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

Lab/lab.sh up
Lab/lab.sh seed --force   # the demo edits a file on the old server: start from the seeded state
swift build -c release
bin=$(swift build -c release --show-bin-path)/migrate

# A fresh start on the target and in the catalog, so the demo shows a full pass every time (the
# plan's estimate, kept in the catalog, is what status shows the full pass against).
root=${MIGRATE_LAB_ROOT:-/tmp/migrate-lab}
for s in Finance Projects Users; do find "$root/modern/share/$s" -mindepth 1 -delete; done
rm -f .migrate/lab.sqlite*

echo
echo "== migrate plan Plans/lab.yaml"
status=0
"$bin" plan Plans/lab.yaml --report .migrate/reports || status=$?
# Exit 1 means "finished, but something could not be reached or read": the lab's Users share has
# a home folder the migration account may not read, as many real 2003 servers do.
[ "$status" -le 1 ] || exit "$status"
echo
echo "== .migrate/reports/plan-report.md"
cat .migrate/reports/plan-report.md

echo
echo "== migrate sync Plans/lab.yaml   (full pass; exit 1: one home folder cannot be read)"
"$bin" sync Plans/lab.yaml || [ $? -le 1 ]
echo
echo "== a user edits a file on the old server, then: migrate sync Plans/lab.yaml   (delta)"
pw=$(cat "$root/secrets/labadmin.pw")
echo "Q4 2012 results, revised" > "$root/demo-upload.txt"
smbclient //127.0.0.21/Finance -U "labadmin%$pw" --option='client min protocol=NT1' \
  -c 'put '"$root"'/demo-upload.txt "Reports\2012\Q4 2012 results.xls"' >/dev/null
"$bin" sync Plans/lab.yaml || [ $? -le 1 ]
echo
echo "== migrate status Plans/lab.yaml"
"$bin" status Plans/lab.yaml

# The weekend, rehearsed on one share. The lab plan's window is 2026-11-28 18:00 to 2026-11-30
# 06:00 Berlin time; MIGRATE_NOW sets the cutover's clock inside it (a rehearsal clock: without
# it, a cutover outside the window is refused, or needs --force, which is logged).
echo
echo "== migrate cutover Plans/lab.yaml --share Finance --dry-run   (the runbook)"
MIGRATE_NOW=2026-11-28T19:00:00+01:00 "$bin" cutover Plans/lab.yaml --share Finance --dry-run
echo
echo "== migrate cutover Plans/lab.yaml --share Finance   (freeze, final sync, verify, DFS switch)"
MIGRATE_NOW=2026-11-28T19:00:00+01:00 "$bin" cutover Plans/lab.yaml --share Finance
echo
echo "== a user on the old share after the freeze (writes fail, reads work):"
alice=$(cat "$root/secrets/alice.pw")
smbclient //127.0.0.21/Finance -U "alice%$alice" --option='client min protocol=NT1' \
  -c 'put '"$root"'/demo-upload.txt "late change.txt"' 2>&1 | grep -o 'NT_STATUS_[A-Z_]*' || true
echo "== the DFS link \\\\127.0.0.22\\files\\finance now points to: $(readlink "$root/modern/share/files/finance")"
echo
echo "== migrate cutover Plans/lab.yaml --share Finance --decommission --yes   (manifest, old share offline)"
MIGRATE_NOW=2026-11-29T10:00:00+01:00 "$bin" cutover Plans/lab.yaml --share Finance --decommission --yes
echo
echo "== migrate status Plans/lab.yaml   (the Finance part)"
"$bin" status Plans/lab.yaml | sed -n '/^Finance/,/^$/p'
echo
echo "Lab/lab.sh up (or reset-cutover) puts the old share and the DFS links back for the next run."
echo "Reports: .migrate/reports/, pass logs: .migrate/logs/, catalog: .migrate/lab.sqlite."
echo "Stop the lab with: Lab/lab.sh down"
