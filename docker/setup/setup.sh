#!/usr/bin/env bash
# One-shot `setup` service of docker-compose.yml (Elastic's documented compose pattern):
#   1. makes a CA and one certificate per Elasticsearch node with elasticsearch-certutil (first run only),
#   2. waits for Elasticsearch, then with the `elastic` superuser
#   3. sets the kibana_system password, and creates (or updates) the roles and users Akhbar needs:
#        akhbar_writer   + user `akhbar`    the app: its indices/aliases, the alerts (percolator) index,
#                                           cluster health; nothing else
#        akhbar_explorer + user `explorer`  people exploring in Kibana: read the Akhbar indices,
#                                           Discover/Dashboards/Visualize read-only
# It runs again on every `docker compose up`: certificates are kept, passwords and roles are re-applied,
# so changing a password in .env and running `docker compose up -d` rotates it (docs/docker.md).
# Secrets never appear on a command line: curl reads the superuser's credentials and the JSON bodies from
# files only root can read.
set -euo pipefail

CERTS=config/certs
ES_URL=${ES_URL:-https://elasticsearch:9200}
INDEX_PREFIX=${AKHBAR_INDEX:-akhbar-articles}
ALERTS_PREFIX=${AKHBAR_ALERTS_INDEX:-akhbar-alerts}

die() { echo "setup: $*" >&2; exit 1; }

# Letters, digits and . _ ~ - only: the values go into JSON bodies, URLs (Redis), config files (Redis) and
# headers (API token, Flower's basic auth) without escaping. Every secret of .env is checked here, the
# ones setup does not use too: the app services start only after setup succeeded.
check_secret() {
  local name=$1 min=${2:-12} value=${!1:-}
  [ -n "$value" ] || die "$name is empty: set it in .env (see .env.example)"
  [ ${#value} -ge "$min" ] || die "$name is shorter than $min characters"
  [[ $value =~ ^[A-Za-z0-9._~-]+$ ]] || die "$name may contain only letters, digits and . _ ~ - (try: openssl rand -hex 24)"
}
for name in ELASTIC_PASSWORD KIBANA_PASSWORD AKHBAR_ES_PASSWORD EXPLORER_PASSWORD REDIS_PASSWORD \
            AKHBAR_API_TOKEN FLOWER_PASSWORD; do
  check_secret "$name"
done
check_secret KIBANA_ENCRYPTION_KEY 32  # Kibana refuses shorter keys

# Index names go into the roles' JSON: only what Elasticsearch accepts as an index name (lower case, no
# quotes, commas or wildcards), so nothing in them can change the JSON or widen the pattern.
for name in AKHBAR_INDEX AKHBAR_ALERTS_INDEX; do
  value=${!name:-}
  [ -z "$value" ] || [[ $value =~ ^[a-z0-9][a-z0-9._-]{0,200}$ ]] \
    || die "$name may contain only lower-case letters, digits and . _ - (it names Elasticsearch indices)"
done

# -- 1. certificates ------------------------------------------------------------------------------------
if [ ! -f $CERTS/ca/ca.crt ]; then
  echo "setup: creating the CA"
  bin/elasticsearch-certutil ca --silent --pem --out $CERTS/ca.zip
  unzip -o -q $CERTS/ca.zip -d $CERTS
  rm -f $CERTS/ca.zip
fi
if [ ! -f $CERTS/es01/es01.crt ]; then
  echo "setup: creating node certificates"
  # es01 is the `elasticsearch` service; es02/es03 are the extra nodes of docker-compose.cluster.yml.
  cat > $CERTS/instances.yml <<'YAML'
instances:
  - name: es01
    dns: [es01, elasticsearch, localhost]
    ip: [127.0.0.1]
  - name: es02
    dns: [es02, localhost]
    ip: [127.0.0.1]
  - name: es03
    dns: [es03, localhost]
    ip: [127.0.0.1]
YAML
  bin/elasticsearch-certutil cert --silent --pem --in $CERTS/instances.yml --out $CERTS/certs.zip \
    --ca-cert $CERTS/ca/ca.crt --ca-key $CERTS/ca/ca.key
  unzip -o -q $CERTS/certs.zip -d $CERTS
  rm -f $CERTS/certs.zip
fi
# Elasticsearch and Kibana run as uid 1000, gid 0: node keys are readable by group root only. The app
# containers run as their own user and need the CA certificate alone; the CA key is root's.
chown -R root:root $CERTS
find $CERTS -type d -exec chmod 750 {} +
find $CERTS -type f -exec chmod 640 {} +
chmod 755 $CERTS $CERTS/ca
chmod 644 $CERTS/ca/ca.crt
chmod 600 $CERTS/ca/ca.key
# Kibana and the app mount this volume, with the CA certificate alone: Kibana runs with group root and
# could otherwise read the node keys in the certs volume.
mkdir -p config/ca-public
cp $CERTS/ca/ca.crt config/ca-public/ca.crt
chmod 755 config/ca-public
chmod 644 config/ca-public/ca.crt

# -- 2. wait for Elasticsearch ---------------------------------------------------------------------------
umask 077
AUTH=$(mktemp)
BODY=$(mktemp)
trap 'rm -f "$AUTH" "$BODY"' EXIT
printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD" > "$AUTH"

# es METHOD PATH [JSON]: one request as `elastic`; prints the HTTP status, the body goes to $BODY.out
es() {
  local method=$1 path=$2
  if [ $# -ge 3 ]; then printf '%s' "$3" > "$BODY"; else : > "$BODY"; fi
  curl -sS -o "$BODY.out" -w '%{http_code}' -K "$AUTH" --cacert $CERTS/ca/ca.crt -X "$method" \
    -H 'Content-Type: application/json' --data-binary "@$BODY" "$ES_URL$path"
}
must() {
  local status
  status=$(es "$@") || die "$1 $2: Elasticsearch not reachable"
  case $status in 2??) ;; *) die "$1 $2 answered $status: $(head -c 400 "$BODY.out")" ;; esac
}

echo "setup: waiting for Elasticsearch at $ES_URL"
for _ in $(seq 1 120); do
  status=$(es GET /_cluster/health 2>/dev/null || true)
  [ "$status" = 200 ] && break
  [ "$status" = 401 ] && die "Elasticsearch refused the elastic password. ELASTIC_PASSWORD only sets it on the
first start; to change it later see 'Rotating secrets' in docs/docker.md"
  sleep 5
done
[ "$status" = 200 ] || die "Elasticsearch did not answer within 10 minutes"

# -- 3. users and roles ----------------------------------------------------------------------------------
echo "setup: kibana_system password"
must POST /_security/user/kibana_system/_password "{\"password\":\"$KIBANA_PASSWORD\"}"

echo "setup: role akhbar_writer, user akhbar"
# cluster:admin/analyze is the one action an index-less `_analyze` needs (Akhbar's ICU probe,
# index/analysis.py has_icu); granting it alone avoids the broad `manage` cluster privilege. No
# manage_index_templates (cluster-wide, unused: stolen app credentials could make a template that gives
# other applications' future indices an akhbar-* alias) and no delete_index (`manage` includes it).
must PUT /_security/role/akhbar_writer '{
  "cluster": ["monitor", "cluster:admin/analyze"],
  "indices": [{
    "names": ["'"$INDEX_PREFIX"'*", "'"$ALERTS_PREFIX"'*"],
    "privileges": ["create_index", "manage", "read", "write", "view_index_metadata"]
  }]
}'
must PUT /_security/user/akhbar "{\"password\":\"$AKHBAR_ES_PASSWORD\",\"roles\":[\"akhbar_writer\"],\"full_name\":\"Akhbar app\"}"

echo "setup: role akhbar_explorer, user explorer"
must PUT /_security/role/akhbar_explorer '{
  "indices": [{"names": ["'"$INDEX_PREFIX"'*", "'"$ALERTS_PREFIX"'*"], "privileges": ["read", "view_index_metadata"]}],
  "applications": [{
    "application": "kibana-.kibana",
    "privileges": ["feature_discover.read", "feature_dashboard.read", "feature_visualize.read"],
    "resources": ["*"]
  }]
}'
must PUT /_security/user/explorer "{\"password\":\"$EXPLORER_PASSWORD\",\"roles\":[\"akhbar_explorer\"],\"full_name\":\"Akhbar explorer (read-only)\"}"

echo "setup: done"
