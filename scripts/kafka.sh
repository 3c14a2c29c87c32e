#!/usr/bin/env bash
# A local Apache Kafka (KRaft, combined broker+controller) for tests and benchmarks.
#
#   scripts/kafka.sh start [--brokers 1|3] [--port P] [--name default]
#   scripts/kafka.sh stop|status|bootstrap [--name default]
#
# Jars come from Maven Central through kafka/pom.xml, fetched once into .cache/kafka/libs.
# Each cluster (--name) lives in .cache/kafka/run/<name>/ and is formatted afresh on every start:
# a bench cluster holds nothing worth keeping, and a stale layout (1 vs 3 brokers) cannot bite.
# Broker n listens on 127.0.0.1:<port+n-1>, its controller on <port+n-1+1000>.
# The port is --port, else KAFKA_PORT, else chosen: 9092 when it is free (default cluster only), otherwise
# the first free one of 22015, 22025, ... 31005 (below Linux's ephemeral range: no outgoing connection
# holds it). Several checkouts on one machine each run their own Kafka: a port is chosen and taken (the
# broker listening) under a machine-wide lock, so two starts at the same moment cannot pick the same one.
# `start` prints the bootstrap address as its last line (also in .cache/kafka/run/<name>/bootstrap).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/libs"
POM="$ROOT/kafka/pom.xml"
START_TIMEOUT_S=180 # only ends a start that hangs: two brokers starting on a loaded machine are slow
STOP_TIMEOUT_S=30
HEAP="${KAFKA_HEAP:--Xmx512m -Xms512m}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

cmd=${1:-}
[[ -n $cmd ]] || die "usage: kafka.sh start [--brokers 1|3] [--port P] [--name N] | stop | status | bootstrap"
shift
brokers=1 port=${KAFKA_PORT:-} name=default
while [[ $# -gt 0 ]]; do
  case $1 in
    --brokers) brokers=${2:-}; shift 2 ;;
    --port) port=${2:-}; shift 2 ;;
    --name) name=${2:-}; shift 2 ;;
    *) die "unknown option: $1" ;;
  esac
done
[[ $brokers == 1 || $brokers == 3 ]] || die "--brokers must be 1 or 3, got '$brokers'"
[[ -z $port ]] || { [[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port + 1002 <= 65535)); } ||
  die "--port must be 1024..64533, got '$port'"
[[ $name =~ ^[A-Za-z0-9_-]+$ ]] || die "--name must be letters, digits, '-' or '_', got '$name'"
RUN="$CACHE/run/$name"

# One start/stop per cluster at a time: parallel test runs share this checkout.
lock() {
  mkdir -p "$CACHE/run"
  exec 9>"$CACHE/run/$name.lock"
  flock -w 600 9 || die "another kafka.sh start/stop of '$name' held the lock for 600s"
}

# Shared by every checkout on this machine: choosing a port and starting on it, and Maven's fetch into
# ~/.m2, happen one at a time. Released by start() once the broker listens (or when this script exits).
MACHINE_LOCK="${TMPDIR:-/tmp}/carbon-ops-kafka.lock"
machine_lock() {
  exec 8>>"$MACHINE_LOCK"
  flock -w 600 8 || die "another checkout's kafka.sh held $MACHINE_LOCK for 600s"
}
machine_unlock() { exec 8>&-; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Every port a cluster of $brokers at $1 listens on (brokers and controllers) is free.
ports_free() {
  local id
  for ((id = 0; id < brokers; id++)); do
    port_busy $(($1 + id)) && return 1
    port_busy $(($1 + id + 1000)) && return 1
  done
  return 0
}

choose_port() {
  local p
  if [[ -n $port ]]; then
    ports_free "$port" ||
      die "port $port (or a controller port $((port + 1000))+) is taken by another process; choose another with --port or KAFKA_PORT, or leave both unset"
    return 0
  fi
  # 9092 only for the default cluster: a throwaway one (a test's) leaves it to a developer's Kafka.
  for p in $([[ $name == default ]] && echo 9092) $(seq 22015 10 31005); do
    if ports_free "$p"; then
      port=$p
      return 0
    fi
  done
  die "no free port for Kafka among 9092 and 22015..31005"
}

# A pid counts only if it is still a Kafka JVM (pids get reused).
alive() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka'; }

pid_files() { compgen -G "$RUN/node-*.pid" || true; }

running_pids() {
  local f pid
  for f in $(pid_files); do
    pid=$(<"$f")
    alive "$pid" && echo "$pid"
  done
  return 0
}

fetch_jars() {
  local want have=""
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  [[ -f $LIBS/.pom.sha256 ]] && have=$(<"$LIBS/.pom.sha256")
  [[ $want == "$have" ]] && return 0
  echo "fetching Kafka jars (kafka/pom.xml) into $LIBS" >&2
  rm -rf "$LIBS.tmp"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIBS.tmp" >&2 ||
    die "could not fetch the Kafka jars with Maven (see above)"
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  echo "$want" >"$LIBS/.pom.sha256"
}

# Kafka's Uuid is 16 bytes in URL-safe base64 without padding; it must not start with '-'.
cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && { echo "$id"; return; }
  done
}

write_config() { # node-id voters
  local id=$1 voters=$2 rf=$((brokers < 3 ? brokers : 3))
  local bport=$((port + id - 1)) cport=$((port + id - 1 + 1000)) min_isr=$((brokers < 3 ? 1 : 2))
  cat >"$RUN/node-$id.properties" <<EOF
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$bport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$bport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN/data/node-$id
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
EOF
  cat >"$RUN/node-$id.log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $RUN/logs/node-$id.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

log_tail() {
  local id
  for ((id = 1; id <= brokers; id++)); do
    echo "---- errors in $RUN/logs/node-$id.log ----" >&2
    grep -E '^\[.*\] (ERROR|FATAL)|^Caused by' "$RUN/logs/node-$id.log" 2>/dev/null | tail -n 8 >&2 || true
    echo "---- tail of $RUN/logs/node-$id.log (and .out) ----" >&2
    tail -n 30 "$RUN/logs/node-$id.log" >&2 2>/dev/null || true
    tail -n 10 "$RUN/logs/node-$id.out" >&2 2>/dev/null || true
  done
}

bootstrap_address() {
  [[ -f $RUN/bootstrap ]] || die "no cluster '$name' has been started"
  cat "$RUN/bootstrap"
}

start() {
  if [[ -n $(running_pids) ]]; then
    local running_at
    running_at=$(bootstrap_address)
    # Asked for a port it is not on: the caller would look for it there (KAFKA_BROKERS) and find nothing.
    [[ -z $port || ${running_at%%,*} == "127.0.0.1:$port" ]] ||
      die "kafka '$name' is already running at $running_at, not on port $port: stop it first (kafka.sh stop) to move it"
    echo "kafka '$name' is already running" >&2
    echo "$running_at"
    return 0
  fi
  command -v java >/dev/null || die "java not found (Kafka needs Java 17+)"
  machine_lock
  fetch_jars
  choose_port
  rm -rf "$RUN"
  mkdir -p "$RUN/logs" "$RUN/data"

  local id voters="" cid bootstrap=""
  for ((id = 1; id <= brokers; id++)); do
    voters+="${voters:+,}$id@127.0.0.1:$((port + id - 1 + 1000))"
    bootstrap+="${bootstrap:+,}127.0.0.1:$((port + id - 1))"
  done
  cid=$(cluster_id)
  for ((id = 1; id <= brokers; id++)); do
    write_config "$id" "$voters"
    java -cp "$LIBS/*" -Dlog4j2.configurationFile="$RUN/node-$id.log4j2.properties" \
      kafka.tools.StorageTool format -t "$cid" -c "$RUN/node-$id.properties" >"$RUN/logs/format-$id.out" 2>&1 ||
      { cat "$RUN/logs/format-$id.out" >&2; die "formatting the storage of node $id failed"; }
  done

  local started_at=$SECONDS
  for ((id = 1; id <= brokers; id++)); do
    # setsid: the broker must outlive the shell (npm, Jest globalSetup) that started it;
    # 8>&- 9>&-: and must hold neither lock.
    # shellcheck disable=SC2086
    setsid java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$RUN/node-$id.log4j2.properties" -cp "$LIBS/*" \
      kafka.Kafka "$RUN/node-$id.properties" >"$RUN/logs/node-$id.out" 2>&1 </dev/null 8>&- 9>&- &
    echo $! >"$RUN/node-$id.pid"
  done

  local ready
  while :; do
    ready=0
    for ((id = 1; id <= brokers; id++)); do
      # kill -0, not alive(): until exec the child's cmdline is still bash's.
      kill -0 "$(<"$RUN/node-$id.pid")" 2>/dev/null || { log_tail; stop_nodes >/dev/null 2>&1 || true; die "kafka node $id exited during start-up"; }
      # The port opens before the broker serves requests; the log line says it is ready.
      if grep -q 'Kafka Server started' "$RUN/logs/node-$id.log" 2>/dev/null &&
        (exec 3<>"/dev/tcp/127.0.0.1/$((port + id - 1))") 2>/dev/null; then
        ready=$((ready + 1))
      fi
    done
    ((ready == brokers)) && break
    if ((SECONDS - started_at >= START_TIMEOUT_S)); then
      log_tail
      stop_nodes >/dev/null 2>&1 || true
      die "kafka '$name' did not answer within ${START_TIMEOUT_S}s"
    fi
    sleep 0.5
  done
  machine_unlock
  echo "$bootstrap" >"$RUN/bootstrap"
  echo "kafka '$name' started ($brokers broker(s), KRaft combined mode) in $((SECONDS - started_at))s" >&2
  echo "$bootstrap"
}

# SIGTERM every node at once (a lone survivor would wait for a quorum), then SIGKILL stragglers.
stop_nodes() {
  local pids pid deadline=$((SECONDS + STOP_TIMEOUT_S))
  pids=$(running_pids)
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $pids; do
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "$pid"; then
      echo "kafka pid $pid ignored SIGTERM for ${STOP_TIMEOUT_S}s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
    fi
  done
  rm -f "$RUN"/node-*.pid "$RUN/bootstrap"
  [[ -n $pids ]]
}

case $cmd in
  start) lock; start ;;
  stop)
    lock
    if stop_nodes; then echo "kafka '$name' stopped" >&2; else echo "kafka '$name' was not running" >&2; fi ;;
  status)
    pids=$(running_pids)
    if [[ -n $pids ]]; then
      echo "kafka '$name' running, pids $(echo $pids), bootstrap $(bootstrap_address)"
    else
      echo "kafka '$name' not running"
      exit 3
    fi ;;
  bootstrap)
    [[ -n $(running_pids) ]] || die "kafka '$name' is not running"
    bootstrap_address ;;
  *) die "unknown command '$cmd' (start|stop|status|bootstrap)" ;;
esac
