#!/usr/bin/env bash
# The demo: brings up the built-in lab (a Windows Server 2003-like SMB1 server and a modern
# SMB3 server with a DFS namespace), seeds the old server, builds migrate and runs
# `migrate plan` on Plans/lab.yaml, then shows the dry-run report. Run as root on Debian.
# The lab stays up afterwards so you can look around; `Lab/lab.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

Lab/lab.sh up
Lab/lab.sh seed
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
echo
echo "The same report: .migrate/reports/plan-report.json and .html. Stop the lab with: Lab/lab.sh down"
