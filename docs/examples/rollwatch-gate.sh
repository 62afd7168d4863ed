#!/usr/bin/env bash
# Gate a pipeline step on rollwatch's go/no-go verdict, for any CI system that runs a shell.
#
#   ROLLOUT=prod/checkout ROLLWATCH_DETECTOR_URL=http://rollwatch-detector:8081 \
#   ROLLWATCH_TOKEN_FILE=/run/secrets/rollwatch-read-token GATE_TIMEOUT=15m ./rollwatch-gate.sh
#
# Waits (Server-Sent Events, polling as a fallback) until the detector decides, then exits with
# `rollwatch gate`'s status: 0 go (promote), 1 no-go (the reasons are printed; roll back),
# 3 no decision within GATE_TIMEOUT (treat as a failure: undecided is never a pass),
# 2 the gate could not run (usage, detector unreachable, token refused).
# Optional: REVISION (gate one revision of the rollout), ROLLWATCH (how to run the CLI; default
# `npx --no-install rollwatch` from a checkout of the repository).
set -uo pipefail

: "${ROLLOUT:?set ROLLOUT to the rollout id, e.g. prod/checkout}"
timeout=${GATE_TIMEOUT:-15m}
read -r -a rollwatch <<<"${ROLLWATCH:-npx --no-install rollwatch}"

args=(gate "$ROLLOUT" --wait --timeout "$timeout")
[ -n "${ROLLWATCH_DETECTOR_URL:-}" ] && args+=(--url "$ROLLWATCH_DETECTOR_URL")
[ -n "${ROLLWATCH_TOKEN_FILE:-}" ] && args+=(--token-file "$ROLLWATCH_TOKEN_FILE")
[ -n "${REVISION:-}" ] && args+=(--revision "$REVISION")

"${rollwatch[@]}" "${args[@]}"
status=$?
case $status in
  0) echo "rollwatch-gate: GO for $ROLLOUT: promote" ;;
  1) echo "rollwatch-gate: NO-GO for $ROLLOUT: stop the rollout" >&2 ;;
  3) echo "rollwatch-gate: no decision for $ROLLOUT within $timeout: failing safe" >&2 ;;
  *) echo "rollwatch-gate: the gate could not run (exit $status)" >&2 ;;
esac
exit "$status"
