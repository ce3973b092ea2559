#!/usr/bin/env bash
# The test command: installs what is missing, brings the lab up (idempotently), seeds it,
# builds, runs every test against the real Samba servers, and takes the lab down again.
# Run as root on Debian (it uses apt-get and adds loopback addresses).
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
summary() {
  Lab/lab.sh down || true
  # The closing line: "N passed, N failed" from XCTest's own count.
  local line
  line=$(grep -E "Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)
  if [ -n "$line" ]; then
    local n f
    n=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$line")
    f=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$line")
    echo "$((n - f)) passed, $f failed"
  fi
  rm -f "$log"
}

Lab/lab.sh up
trap summary EXIT
Lab/lab.sh seed --force
root=${MIGRATE_LAB_ROOT:-/tmp/migrate-lab}
panics() { cat "$root"/{legacy,modern,signed,legacydc}/log/* 2>/dev/null | grep -c "INTERNAL ERROR" || true; }
before=$(panics)

swift build
MIGRATE_REQUIRE_LAB=1 swift test --disable-swift-testing 2>&1 | tee "$log"

# A lab server that crashed during the run is a failure even if every test passed.
if [ "$(panics)" != "$before" ]; then
  echo "test: a lab smbd crashed during the run (see $root/*/log)" >&2
  exit 1
fi
