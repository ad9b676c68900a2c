#!/usr/bin/env bash
# Full sync of a large emulated Zendesk account, measured from outside:
# the emulator runs in a process of its own, so the peak RSS reported is the
# bot's alone. Then a re-sync with nothing changed.
#
#   USERS=100000 ./bench/sync.sh      (make bench-sync builds bin/seatwarden first)
#   USERS=200000 STAFF_SHARE=1 ./bench/sync.sh               200,000 seats
#   USERS=2000 STAFF_SHARE=1 END_USERS=1998000 ./bench/sync.sh  2,000,000 users, 2,000 seats
#   BOT_GOMEMLIMIT=150MiB USERS=200000 STAFF_SHARE=1 ./bench/sync.sh   the bot under a soft memory limit
#   STORE=redis USERS=50000 ./bench/sync.sh   into Redis: database 13 of 127.0.0.1:6379 (or
#       BENCH_REDIS_URL), which the run takes as its own and empties before and after
set -euo pipefail
cd "$(dirname "$0")/.."
users=${USERS:-100000}
share=${STAFF_SHARE:-0}
endusers=${END_USERS:-0}
bin=${BIN:-bin/seatwarden}
[[ -x "$bin" ]] || { echo "build first: make build"; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (Debian: apt-get install time)"; exit 1; }

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" emulate zendesk --addr "127.0.0.1:$port" --users "$users" --staff-share "$share" --end-users "$endusers" >"$tmp/emulator.log" 2>&1 &
emu=$!
trap 'kill $emu 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 300); do grep -q "Zendesk emulator" "$tmp/emulator.log" && break; sleep 0.1; done
head -1 "$tmp/emulator.log"

# The client-side budget is raised to the High Volume add-on's 2,500/min so
# the figure measures the bot, not the budget.
cat >"$tmp/policy.yaml" <<YAML
zendesk:
  requests_per_minute: 2500
YAML
export ZENDESK_URL="http://127.0.0.1:$port" ZENDESK_OAUTH_CLIENT_ID=seatwarden ZENDESK_OAUTH_CLIENT_SECRET=emulator-secret
export SEATWARDEN_DATA_DIR="$tmp/data" SEATWARDEN_LOG_LEVEL=warn
if [[ "${STORE:-bolt}" == redis ]]; then
  export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}
  redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null
  trap 'kill $emu 2>/dev/null || true; redis-cli -u "$REDIS_URL" FLUSHDB >/dev/null || true; rm -rf "$tmp"' EXIT
fi
echo "store: ${STORE:-bolt}"

run() { # $1 = label
  GOMEMLIMIT=${BOT_GOMEMLIMIT:-} /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" --config "$tmp/policy.yaml" run-job sync >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
  read -r secs kb <"$tmp/time"
  reqs=$(sed -n 's/^zendesk requests: //p' "$tmp/out")
  printf '%-22s wall %6ss  peak RSS %4d MB  requests %s\n' "$1" "$secs" $((kb / 1024)) "$reqs"
}
read -r staff groups members roles < <(sed -n 's/.* users (\([0-9]*\) staff, [0-9]* generated end users more), \([0-9]*\) groups, \([0-9]*\) group memberships, \([0-9]*\) custom roles.*/\1 \2 \3 \4/p' "$tmp/emulator.log")
bound=$(( (staff + 99) / 100 + 1 + (groups + 99) / 100 + (members + 99) / 100 + 1 ))
echo "lower bound: ceil($staff/100) staff + 1 export + ceil($groups/100) groups + ceil($members/100) memberships + 1 roles = $bound requests (+1 OAuth token)"
run "full sync"
run "re-sync, no changes"
