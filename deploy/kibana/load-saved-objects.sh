#!/bin/sh
# Imports rollwatch's Kibana saved objects (data views, saved searches, dashboard). Idempotent:
# objects have fixed ids and are overwritten. docker-compose runs it in a curl container with this
# directory mounted at /kibana; it also works from a shell:  KIBANA_URL=http://localhost:5601 ./load-saved-objects.sh
set -eu
KIBANA_URL="${KIBANA_URL:-http://kibana:5601}"
FILE="${SAVED_OBJECTS_FILE:-$(dirname "$0")/rollwatch.ndjson}"
TIMEOUT_SECONDS="${KIBANA_WAIT_SECONDS:-300}"
AUTH=""
if [ -n "${KIBANA_USERNAME:-}" ]; then AUTH="-u ${KIBANA_USERNAME}:${KIBANA_PASSWORD:-}"; fi

[ -f "$FILE" ] || { echo "load-saved-objects: $FILE not found" >&2; exit 2; }

# Kibana answers /api/status long before it can import: wait for overall level "available".
echo "waiting for Kibana at $KIBANA_URL (up to ${TIMEOUT_SECONDS}s)"
waited=0
until curl -fsS $AUTH "$KIBANA_URL/api/status" 2>/dev/null | grep -q '"level":"available"'; do
  if [ "$waited" -ge "$TIMEOUT_SECONDS" ]; then
    echo "load-saved-objects: Kibana at $KIBANA_URL not available after ${TIMEOUT_SECONDS}s" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done

response=$(curl -sS $AUTH -w '\n%{http_code}' -X POST "$KIBANA_URL/api/saved_objects/_import?overwrite=true" \
  -H 'kbn-xsrf: true' --form "file=@${FILE}")
code=$(printf '%s' "$response" | tail -n 1)
body=$(printf '%s' "$response" | sed '$d')
echo "$body"
if [ "$code" != "200" ] || ! printf '%s' "$body" | grep -q '"success":true'; then
  echo "load-saved-objects: import failed (HTTP $code)" >&2
  exit 1
fi
echo "rollwatch saved objects imported into $KIBANA_URL"
