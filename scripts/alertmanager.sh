#!/usr/bin/env bash
# A local Alertmanager (Debian's prometheus-alertmanager) for the demo, routing every alert to a local bot.
#
#   scripts/alertmanager.sh start [--port P] [--bot URL]
#   scripts/alertmanager.sh stop|status|url
#
# Its config and data live in .cache/alertmanager/ (written afresh on every start: it holds nothing worth
# keeping). It posts to the bot's receiver, --bot or CARBON_BOT_URL, else http://127.0.0.1:${PORT:-3000}, at
# /alertmanager, with ALERTMANAGER_WEBHOOK_TOKEN as its bearer token (required; kept in a 0600 file, never in
# the config). The port is --port, else ALERTMANAGER_PORT, else the first free one of 9093, 22093, 22193, …
# (chosen and taken under a machine-wide lock, as scripts/kafka.sh does). Gossip (HA clustering) is off.
# `start` prints Alertmanager's URL as its last line: the bot's ALERTMANAGER_URL.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN="$ROOT/.cache/alertmanager"
START_TIMEOUT_S=60
STOP_TIMEOUT_S=20

die() { echo "alertmanager.sh: $*" >&2; exit 1; }

cmd=${1:-}
[[ -n $cmd ]] || die "usage: alertmanager.sh start [--port P] [--bot URL] | stop | status | url"
shift
port=${ALERTMANAGER_PORT:-} bot=${CARBON_BOT_URL:-http://127.0.0.1:${PORT:-3000}}
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) port=${2:-}; shift 2 ;;
    --bot) bot=${2:-}; shift 2 ;;
    *) die "unknown option: $1" ;;
  esac
done
[[ -z $port ]] || { [[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port <= 65535)); } || die "--port must be 1024..65535, got '$port'"
[[ $bot =~ ^https?://[^[:space:]\"\']+$ ]] || die "--bot must be an http(s) URL, got '$bot'"

binary() {
  local b
  for b in "${ALERTMANAGER_BIN:-}" /usr/bin/prometheus-alertmanager "$(command -v prometheus-alertmanager || true)"; do
    [[ -n $b && -x $b ]] && { echo "$b"; return 0; }
  done
  die "Alertmanager not found: apt-get install -y --no-install-recommends prometheus-alertmanager (or set ALERTMANAGER_BIN)"
}

MACHINE_LOCK="${TMPDIR:-/tmp}/carbon-ops-alertmanager.lock"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'alertmanager'; }
running_pid() { [[ -f $RUN/pid ]] && alive "$(<"$RUN/pid")" && cat "$RUN/pid"; }

choose_port() {
  local p
  if [[ -n $port ]]; then
    port_busy "$port" && die "port $port is taken; choose another with --port or ALERTMANAGER_PORT"
    return 0
  fi
  for p in 9093 $(seq 22093 100 31093); do
    if ! port_busy "$p" && ! port_busy $((p + 1)); then port=$p; return 0; fi
  done
  die "no free port for Alertmanager among 9093 and 22093..31093"
}

write_config() {
  mkdir -p "$RUN"
  (umask 077 && printf '%s' "$ALERTMANAGER_WEBHOOK_TOKEN" >"$RUN/token")
  cat >"$RUN/alertmanager.yml" <<YAML
# Written by scripts/alertmanager.sh: every alert to carbon-ops' receiver (README, "Alerts from Alertmanager").
route:
  receiver: carbon-ops
  group_by: [alertname, namespace]
  group_wait: 5s
  group_interval: 30s
  repeat_interval: 4h
receivers:
  - name: carbon-ops
    webhook_configs:
      - url: "${bot%/}/alertmanager"
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: "$RUN/token"
YAML
}

start() {
  [[ -n ${ALERTMANAGER_WEBHOOK_TOKEN:-} ]] || die "set ALERTMANAGER_WEBHOOK_TOKEN (the bot's, at least 16 characters)"
  local pid bin
  if pid=$(running_pid); then
    echo "alertmanager already running (pid $pid)" >&2
    cat "$RUN/url"
    return 0
  fi
  bin=$(binary)
  exec 8>>"$MACHINE_LOCK"
  flock -w 120 8 || die "another start held $MACHINE_LOCK for 120s"
  choose_port
  rm -rf "$RUN/data"
  write_config
  # setsid: Alertmanager must outlive the shell (npm) that started it.
  setsid "$bin" --config.file="$RUN/alertmanager.yml" --storage.path="$RUN/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
    >"$RUN/alertmanager.log" 2>&1 </dev/null &
  echo $! >"$RUN/pid"
  echo "http://127.0.0.1:$port" >"$RUN/url"
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; do
    alive "$(<"$RUN/pid")" || die "alertmanager exited; see $RUN/alertmanager.log: $(tail -5 "$RUN/alertmanager.log")"
    ((SECONDS < deadline)) || die "alertmanager not ready within ${START_TIMEOUT_S}s; see $RUN/alertmanager.log"
    sleep 0.2
  done
  exec 8>&-
  echo "alertmanager started, posting to ${bot%/}/alertmanager" >&2
  cat "$RUN/url"
}

stop() {
  local pid
  pid=$(running_pid) || { echo "alertmanager not running" >&2; return 0; }
  kill -TERM "$pid"
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while alive "$pid"; do
    ((SECONDS < deadline)) || { kill -KILL "$pid"; break; }
    sleep 0.2
  done
  rm -f "$RUN/pid"
  echo "alertmanager stopped" >&2
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) if pid=$(running_pid); then echo "running (pid $pid) at $(<"$RUN/url")"; else echo "not running"; exit 1; fi ;;
  url) running_pid >/dev/null || die "not running"; cat "$RUN/url" ;;
  *) die "unknown command: $cmd" ;;
esac
