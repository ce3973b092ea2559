#!/usr/bin/env bash
# The demo: brings up the built-in lab (a Windows Server 2003-like SMB1 server and a modern
# SMB3 server with a DFS namespace), seeds the old server, builds migrate, runs `migrate plan`
# on Plans/lab.yaml and shows the dry-run report, then `migrate sync` twice (a full pass, then
# a delta after a change on the old server) and `migrate status`. Run as root on Debian.
# The lab stays up afterwards so you can look around; `Lab/lab.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

Lab/lab.sh up
Lab/lab.sh seed --force   # the demo edits a file on the old server: start from the seeded state
swift build -c release
bin=$(swift build -c release --show-bin-path)/migrate

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

# A fresh start on the target, so the demo shows a full pass every time.
root=${MIGRATE_LAB_ROOT:-/tmp/migrate-lab}
for s in Finance Projects Users; do find "$root/modern/share/$s" -mindepth 1 -delete; done
rm -f .migrate/lab.sqlite*

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
echo
echo "Reports: .migrate/reports/, pass logs: .migrate/logs/, catalog: .migrate/lab.sqlite."
echo "Stop the lab with: Lab/lab.sh down"
