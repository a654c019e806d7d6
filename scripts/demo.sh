#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts benchd on its
# embedded PostgreSQL and one bench-agent with the host CPU, submits
# configs/sweeps/quickstart.yaml, follows it, prints the results, and stops
# what it started.
#
# Environment: BENCHD_DEMO_DIR (default /tmp/benchd-demo) holds the database,
# the logs and the agent's spool; it is reused by the next run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCHD_BUILD_DIR:-$root/build}
demo=${BENCHD_DEMO_DIR:-/tmp/benchd-demo}
sweep=${1:-$root/configs/sweeps/quickstart.yaml}

"$root/scripts/build.sh" "$build"
bin=$build/bin
mkdir -p "$demo"
# PostgreSQL runs as an unprivileged user when we are root: it must reach this directory.
chmod 755 "$demo"
rm -f "$demo/benchd/benchd.addr"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "benchd-demo: starting benchd (embedded PostgreSQL under $demo/benchd/pg; log $demo/benchd.log)"
"$bin/benchd" --data-dir "$demo/benchd" --listen 127.0.0.1:0 --log-level info >>"$demo/benchd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  [ -s "$demo/benchd/benchd.addr" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "benchd-demo: benchd exited; see $demo/benchd.log" >&2; tail -20 "$demo/benchd.log" >&2; exit 1; }
  sleep 0.1
done
address=$(cat "$demo/benchd/benchd.addr")
export BENCHD_COORDINATOR=$address

cat >"$demo/agent.yaml" <<YAML
agent:
  name: demo-agent
  coordinator: $address
  spool_dir: $demo/agent-spool
  work_dir: $demo/agent-runs
devices:
  - name: cpu0
    driver: host-cpu
    platform: host-cpu
    labels: {arch: $(uname -m)}
    options: {threads: "$(nproc)"}
YAML
echo "benchd-demo: starting bench-agent (log $demo/agent.log)"
"$bin/bench-agent" --config "$demo/agent.yaml" >>"$demo/agent.log" 2>&1 &
pids+=($!)

status=0
"$bin/benchctl" submit "$sweep" --watch | tee "$demo/submit.out" || status=$?
sweep_id=$(sed -n 's/^sweep \([0-9][0-9]*\) submitted.*/\1/p' "$demo/submit.out")
[ -n "$sweep_id" ] || { echo "benchd-demo: the sweep was not submitted" >&2; exit $(( status ? status : 1 )); }
echo
"$bin/benchctl" results "$sweep_id"
echo
"$bin/benchctl" agents
echo
echo "benchd-demo: CSV: $bin/benchctl --coordinator <address> results $sweep_id --format csv"
exit $status
