#!/usr/bin/env bash
# The scale-out topology, run for real on one machine, with its figures:
#
#   clients -> HAProxy :8090 (HTTP, WebSocket upgrades passed through)
#                -> journeygraph serve :8091 and :8092
#                     -> HAProxy :5439 (TCP) -> PostgreSQL primary :5440
#                     -> DATABASE_READ_URL   -> streaming replica  :5441
#
# Two clusters of their own (pg_createcluster, synchronous replication so
# that an acknowledged write is on the replica before the client hears of
# it), two server processes, HAProxy. It then shows:
#   1. mixed load: which server and which PostgreSQL answered what;
#   2. subscribers through HAProxy, one on each server, receiving a signal
#      ingested through one of them;
#   3. the sweep running on one server only;
#   4. one server killed under a retrying write load: acknowledged / stored / doubled;
#   5. the primary stopped and the replica promoted under the same load
#      (the servers reach the new primary through HAProxy's PostgreSQL
#      frontend, reconfigured): acknowledged / stored / doubled.
# Everything it made is removed at the end. Needs root (pg_createcluster,
# apt-get for haproxy), the machine's PostgreSQL and Python 3.
#
#   benches/scale-out.sh            # about two minutes after the build
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=$(ls /etc/postgresql | sort -n | tail -n1)
PRIMARY=5440 REPLICA=5441 PG_FRONT=5439 FRONT=8090 S1=8091 S2=8092
SECONDS_PER_PHASE=${SCALE_OUT_SECONDS:-20}
work=$(mktemp -d)
export JOURNEYGRAPH_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export RUST_LOG=warn
bin=target/release/journeygraph
pids=()
subscribers=()

say() { printf '\n== %s\n' "$*"; }
psql_at() { local port=$1; shift; psql -h 127.0.0.1 -p "$port" -U postgres -d "${DB:-jg}" -XAtq -c "$*"; }

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/haproxy.pid" ] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  for cluster in jgprimary jgreplica; do
    pg_dropcluster --stop "$VERSION" "$cluster" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

command -v haproxy >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }
python3 -c 'import websockets' 2>/dev/null || pip install -q websockets
cargo build --release --quiet
echo "haproxy: $(haproxy -v | head -n1)"

say "PostgreSQL $VERSION: a primary on :$PRIMARY and a streaming replica on :$REPLICA"
for cluster in jgprimary jgreplica; do pg_dropcluster --stop "$VERSION" "$cluster" 2>/dev/null || true; done
# Trust on 127.0.0.1 (replication included), listening there only.
configure() {
  local conf=/etc/postgresql/$VERSION/$1
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n' > "$conf/pg_hba.conf"
  printf "listen_addresses = '127.0.0.1'\nmax_connections = 200\n" >> "$conf/postgresql.conf"
}
pg_createcluster -q "$VERSION" jgprimary -p "$PRIMARY" >/dev/null
configure jgprimary
pg_ctlcluster "$VERSION" jgprimary start
DB=postgres psql_at "$PRIMARY" "CREATE DATABASE jg"
pg_createcluster -q "$VERSION" jgreplica -p "$REPLICA" >/dev/null
data=/var/lib/postgresql/$VERSION/jgreplica
find "$data" -mindepth 1 -delete
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PRIMARY" -U postgres -D "$data" -R -X stream -c fast
configure jgreplica
pg_ctlcluster "$VERSION" jgreplica start
# Synchronous from now on (with no standby yet, every commit would wait).
DB=postgres psql_at "$PRIMARY" "ALTER SYSTEM SET synchronous_standby_names = '*'"
DB=postgres psql_at "$PRIMARY" "SELECT pg_reload_conf()" > /dev/null
for _ in $(seq 1 50); do
  [ "$(DB=postgres psql_at "$PRIMARY" "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && break
  sleep 0.2
done
echo "replica in recovery: $(DB=postgres psql_at "$REPLICA" 'SELECT pg_is_in_recovery()'); sync state: $(DB=postgres psql_at "$PRIMARY" 'SELECT sync_state FROM pg_stat_replication')"

cat > "$work/haproxy.cfg" <<EOF
global
  stats socket $work/haproxy.sock mode 600 level admin
  pidfile $work/haproxy.pid
defaults
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend api
  mode http
  bind 127.0.0.1:$FRONT
  default_backend servers
backend servers
  mode http
  balance roundrobin
  option httpchk GET /healthz
  option redispatch
  retries 3
  retry-on conn-failure empty-response
  server s1 127.0.0.1:$S1 check inter 300 fall 2 rise 2
  server s2 127.0.0.1:$S2 check inter 300 fall 2 rise 2
listen postgres
  mode tcp
  bind 127.0.0.1:$PG_FRONT
  server primary 127.0.0.1:$PRIMARY check inter 300 fall 2 rise 2
  server replica 127.0.0.1:$REPLICA check inter 300 fall 2 rise 2 disabled
EOF
haproxy -D -f "$work/haproxy.cfg"
haproxy_cmd() { echo "$*" | socat - "UNIX-CONNECT:$work/haproxy.sock"; }

export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_FRONT/jg
export DATABASE_READ_URL=postgres://postgres@127.0.0.1:$REPLICA/jg
serve() {
  local port=$1
  "$bin" serve --bind "127.0.0.1:$port" --sweep-interval-secs 2 --rate-limit-per-second 0 \
    > "$work/s$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.2; done
  echo "server :$port did not start"; cat "$work/s$port.log"; exit 1
}
"$bin" migrate >/dev/null
serve "$S1"
serve "$S2"
"$bin" org create scale --name Scale >/dev/null
token=$("$bin" api-token create --org scale --name load --scopes ingest:write,journeys:read,analytics:read 2>/dev/null)
jwt=$("$bin" token mint --org scale --role LEADER --sub load)
load() { python3 benches/scale_out_load.py "$@"; }
requests() { curl -fs "http://127.0.0.1:$1/metrics" | awk '/^journeygraph_requests_total/ { n += $NF } END { print n + 0 }'; }
commits() { psql_at "$1" "SELECT xact_commit FROM pg_stat_database WHERE datname = 'jg'"; }

# Writers (retrying) and readers through HAProxy for the phase's seconds;
# `$2` runs in the background after 5 s (the event under test).
phase() {
  local prefix=$1 event=${2:-}
  load readers --url "http://127.0.0.1:$FRONT/graphql" --jwt "$jwt" --seconds "$SECONDS_PER_PHASE" > "$work/$prefix-reads.json" &
  local reader=$!
  load writers --url "http://127.0.0.1:$FRONT/graphql" --token "$token" --prefix "$prefix" --seconds "$SECONDS_PER_PHASE" --writers 4 > "$work/$prefix.json" &
  local writer=$!
  if [ -n "$event" ]; then sleep 5; $event; fi
  wait "$writer" "$reader"
  echo "writes: $(cat "$work/$prefix.json")"
  echo "reads:  $(cat "$work/$prefix-reads.json")"
}

stored() { psql_at "$1" "SELECT count(*), count(*) - count(DISTINCT external_id) FROM touchpoint WHERE source = 'scale' AND external_id LIKE '$2-%'"; }

# The customer the journey reader reads.
curl -fs "http://127.0.0.1:$FRONT/graphql" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"query":"mutation { ingestTouchpoints(input: [{source: \"scale\", externalId: \"seed-1\", customer: {source: \"crm\", externalId: \"S-1\"}, department: PRODUCT, kind: \"login\", occurredAt: \"2026-01-01T00:00:00Z\"}]) { created } }"}' > /dev/null

say "1. Mixed load through HAProxy, ${SECONDS_PER_PHASE} s: 4 retrying writers, a journey reader, an analytics reader"
r1=$(requests "$S1") r2=$(requests "$S2") c_primary=$(commits "$PRIMARY") c_replica=$(commits "$REPLICA")
sample_replica() {
  sleep 2
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    psql_at "$REPLICA" "SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 70) FROM pg_stat_activity WHERE datname = 'jg' AND state = 'active' AND pid <> pg_backend_pid()"
    sleep 0.3
  done | sort | uniq -c | sort -rn | head -n 3 > "$work/replica-sample.txt"
}
sample_replica &
sampler=$!
phase mixed
wait "$sampler"
echo "server :$S1 answered $(( $(requests "$S1") - r1 )) requests, :$S2 $(( $(requests "$S2") - r2 ))"
echo "transactions: primary +$(( $(commits "$PRIMARY") - c_primary )), replica +$(( $(commits "$REPLICA") - c_replica )) (the replica takes only reads)"
echo "statements seen running on the replica:"
cat "$work/replica-sample.txt"

say "2. Two subscribers through HAProxy (round robin: one on each server), a repeat contact ingested through :$S1"
sockets() { curl -fs "http://127.0.0.1:$1/metrics" | awk '/^journeygraph_ws_connections/ { n += $NF } END { print n + 0 }'; }
for n in 1 2; do
  load subscribe --ws "ws://127.0.0.1:$FRONT/graphql/ws" --jwt "$jwt" --seconds 8 > "$work/subscriber-$n.json" &
  subscribers+=($!)
  sleep 0.5
done
sleep 1.5
echo "sockets open: :$S1 $(sockets "$S1"), :$S2 $(sockets "$S2")"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
earlier=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
ticket() { echo "{\"source\":\"helpdesk\",\"externalId\":\"$1\",\"customer\":{\"source\":\"crm\",\"externalId\":\"SIG-1\"},\"reason\":\"billing\",\"channel\":\"chat\",\"priority\":\"LOW\",\"team\":\"t1\",\"openedAt\":\"$2\"}"; }
curl -fs "http://127.0.0.1:$S1/graphql" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"query\":\"mutation(\$i: [TicketInput!]!) { ingestTickets(input: \$i) { created } }\",\"variables\":{\"i\":[$(ticket SIG-T1 "$earlier"),$(ticket SIG-T2 "$now")]}}" > /dev/null
wait "${subscribers[@]}"
for n in 1 2; do echo "subscriber $n received: $(tail -n1 "$work/subscriber-$n.json")"; done

say "3. The sweep runs on one server only"
for port in "$S1" "$S2"; do
  echo ":$port $(curl -fs "http://127.0.0.1:$port/metrics" | grep -E '^journeygraph_(sweep_leader|sweeps_total)' | tr '\n' ' ')"
done


say "4. Server :$S1 killed after 5 s of a ${SECONDS_PER_PHASE} s retrying write load"
kill_s1() { kill -9 "${pids[0]}"; echo "killed :$S1 at $(date -u +%T)"; }
phase kill kill_s1 2>/dev/null
IFS='|' read -r count doubled <<< "$(stored "$PRIMARY" kill)"
echo "acknowledged $(python3 -c "import json,sys; print(json.load(open('$work/kill.json'))['distinct'])"), stored $count, doubled $doubled"
echo "HAProxy: $(haproxy_cmd 'show servers state servers' | awk 'NR > 2 && NF > 5 { print $4 "=" ($6 == 2 ? "up" : "down") }' | tr '\n' ' ')"
echo ":$S2 after the kill: $(curl -fs "http://127.0.0.1:$S2/metrics" | grep -E '^journeygraph_(sweep_leader|sweeps_total)' | tr '\n' ' ')"
serve "$S1"

say "5. The primary stopped and the replica promoted after 5 s of a ${SECONDS_PER_PHASE} s retrying write load"
failover() {
  pg_ctlcluster "$VERSION" jgprimary stop -m immediate
  local started
  started=$(date +%s.%N)
  haproxy_cmd "set server postgres/primary state maint" > /dev/null
  DB=postgres psql_at "$REPLICA" "SELECT pg_promote(true, 30)" > /dev/null
  haproxy_cmd "set server postgres/replica state ready" > /dev/null
  echo "primary stopped at $(date -u +%T); replica promoted and behind HAProxy in $(python3 -c "print(round($(date +%s.%N) - $started, 2))") s"
}
phase failover failover
IFS='|' read -r count doubled <<< "$(stored "$REPLICA" failover)"
echo "acknowledged $(python3 -c "import json,sys; print(json.load(open('$work/failover.json'))['distinct'])"), stored $count, doubled $doubled (on the new primary)"
IFS='|' read -r count doubled <<< "$(stored "$REPLICA" kill)"
echo "phase 4's writes on the new primary: stored $count, doubled $doubled"
echo "new primary in recovery: $(DB=postgres psql_at "$REPLICA" 'SELECT pg_is_in_recovery()')"
