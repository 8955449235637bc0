#!/usr/bin/env bash
# System tools some tests use: tshark (pcap validation), socat (TAP bridge), iproute2 and ping (network
# namespaces), nc from netcat-openbsd (host port forwarding), busybox's udhcpc and udhcpd (DHCP interop).
# Installed through apt when missing and possible; tests that need a missing tool say so and skip.
set -u
need=()
command -v tshark >/dev/null || need+=(tshark)
command -v socat >/dev/null || need+=(socat)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v nc >/dev/null || need+=(netcat-openbsd)
command -v udhcpc >/dev/null || need+=(udhcpc)
command -v udhcpd >/dev/null || need+=(udhcpd)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-system-deps: missing ${need[*]} (not root or no apt-get); the tests that need them will skip" >&2
  exit 0
fi
echo "install-system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
(apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null) || echo "install-system-deps: apt-get failed; dependent tests will skip" >&2
exit 0
