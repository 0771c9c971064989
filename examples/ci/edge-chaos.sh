#!/usr/bin/env bash
# edge-chaos in any CI: starts your hub with --hub-cmd for each scenario, writes
# one report folder per scenario, and exits with what the runs decided.
#
#   HUB_CMD="node dist/server.js" ./edge-chaos.sh [scenario ...]    (default: loop redeploy)
#
# The hub command gets PORT, HOST and PING_INTERVAL_MS in its environment and is
# stopped and started again for redeploys. Needs edge-chaos installed in the
# project (npm install -D edge-chaos, or the tarball).
#
# Environment:
#   HUB_CMD          the shell command that starts your hub (required)
#   REPORT_ROOT      where the report folders go (default: reports); each run
#                    writes REPORT_ROOT/<scenario>/ with report.html, summary.md,
#                    summary.json, junit.xml, events.ndjson and agent-logs/
#   EDGE_CHAOS_ARGS  more options for every run, e.g. "--agents 20 --seed 42"
#   EDGE_CHAOS       the command to run (default: npx --no edge-chaos, which
#                    never downloads anything)
#
# Every scenario runs, whatever the one before decided. Exit 1 when a hub check
# failed in any run (the hub did something wrong), else 2 when a run could not
# judge or could not start (invalid, interrupted, usage or harness error), else 0.
# Under GitHub Actions each run also appends its summary.md to $GITHUB_STEP_SUMMARY.
set -euo pipefail

: "${HUB_CMD:?set HUB_CMD to the command that starts your hub, e.g. HUB_CMD=\"node dist/server.js\"}"
report_root="${REPORT_ROOT:-reports}"
read -r -a edge_chaos <<< "${EDGE_CHAOS:-npx --no edge-chaos}"
read -r -a extra <<< "${EDGE_CHAOS_ARGS:-}"
scenarios=("$@")
if [ "${#scenarios[@]}" -eq 0 ]; then scenarios=(loop redeploy); fi

failed=0
invalid=0
for scenario in "${scenarios[@]}"; do
  echo "::: edge-chaos ${scenario}"
  code=0
  "${edge_chaos[@]}" "$scenario" --hub-cmd "$HUB_CMD" --report-dir "${report_root}/${scenario}" ${extra[@]+"${extra[@]}"} || code=$?
  case "$code" in
    0) ;;
    1) failed=$((failed + 1)) ;;
    *) invalid=$((invalid + 1)) ;;
  esac
  echo "::: edge-chaos ${scenario}: exit ${code}, report ${report_root}/${scenario}/report.html"
done

echo "edge-chaos: ${#scenarios[@]} scenario(s), ${failed} failed, ${invalid} could not judge"
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$invalid" -gt 0 ]; then exit 2; fi
exit 0
