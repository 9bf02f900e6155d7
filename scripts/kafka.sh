#!/usr/bin/env bash
# Runs a single-node KRaft Kafka broker on 127.0.0.1 from the jars that
# scripts/kafka/pom.xml resolves from Maven Central.
#
#   scripts/kafka.sh start    resolve jars if needed, format storage, start, wait
#   scripts/kafka.sh stop     stop the broker and wait for it to exit
#   scripts/kafka.sh status   exit 0 when the broker accepts connections
#
# KAFKA_HOME (default .kafka in the checkout) holds jars, data and logs;
# KAFKA_PORT (default 9092) and KAFKA_HEAP (default 512m) tune it.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
home="${KAFKA_HOME:-$root/.kafka}"
port="${KAFKA_PORT:-9092}"
controller_port="$((port + 1))"
heap="${KAFKA_HEAP:-512m}"
pid_file="$home/broker.pid"

accepts_connections() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

resolve_jars() {
  if [[ -f "$home/libs/.complete" ]]; then return; fi
  echo "kafka: resolving broker jars from Maven Central"
  mvn -q -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$home/libs" -DincludeScope=runtime
  touch "$home/libs/.complete"
}

write_config() {
  mkdir -p "$home/data" "$home/logs"
  cat >"$home/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$home/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPERTIES
  cat >"$home/log4j.properties" <<PROPERTIES
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$home/logs/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPERTIES
}

kafka_java() {
  java -Xms128m "-Xmx$heap" -Dlog4j.configuration="file:$home/log4j.properties" \
    -cp "$home/libs/*" "$@"
}

start() {
  if accepts_connections; then
    echo "kafka: a broker already accepts connections on 127.0.0.1:$port"
    return
  fi
  resolve_jars
  write_config
  if [[ ! -f "$home/data/meta.properties" ]]; then
    cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$home/server.properties" >/dev/null
  fi

  nohup java -Xms128m "-Xmx$heap" -Dlog4j.configuration="file:$home/log4j.properties" \
    -cp "$home/libs/*" kafka.Kafka "$home/server.properties" >"$home/logs/stdout.log" 2>&1 &
  echo $! >"$pid_file"

  for _ in $(seq 1 120); do
    if accepts_connections; then
      echo "kafka: broker ready on 127.0.0.1:$port"
      return
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      echo "kafka: broker exited during start-up; see $home/logs/broker.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "kafka: broker not accepting connections after 60 s; see $home/logs/broker.log" >&2
  exit 1
}

stop() {
  if [[ ! -f "$pid_file" ]]; then
    echo "kafka: no broker started by this script"
    return
  fi
  pid="$(cat "$pid_file")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  echo "kafka: broker stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if accepts_connections; then echo "kafka: running on 127.0.0.1:$port"; else
      echo "kafka: not running on 127.0.0.1:$port"
      exit 1
    fi
    ;;
  *)
    echo "usage: scripts/kafka.sh start|stop|status" >&2
    exit 2
    ;;
esac
