#!/usr/bin/env bash
# Make sure the services the test suite talks to answer on 127.0.0.1: PostgreSQL (5432, trust
# auth, user postgres) and Redis (6379). Starts them when they are down; installs them (and
# the Debian libraries Remit needs) when they are missing.
set -euo pipefail

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-services: need root to install $*" >&2
    return 1
  fi
  if [ ! -f /var/lib/apt/lists/.remit-updated ]; then
    apt-get update -qq && touch /var/lib/apt/lists/.remit-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
for pkg in $(cat "$(dirname "$0")/debian-packages.txt"); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-services: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  for _ in $(seq 1 60); do
    answers "$1" && return 0
    sleep 0.5
  done
  echo "ensure-services: nothing answers on 127.0.0.1:$1 after starting $2" >&2
  return 1
}

if ! answers 5432; then
  echo "ensure-services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_for 5432 PostgreSQL
fi

if ! answers 6379; then
  echo "ensure-services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis
fi

pg_isready -q -h 127.0.0.1 -p 5432 -U postgres
echo "ensure-services: PostgreSQL and Redis answer on 127.0.0.1"
