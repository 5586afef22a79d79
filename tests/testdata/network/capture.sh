#!/usr/bin/env bash
# How the vectors here were captured from the real libvirtd 9.0 (Debian's
# 9.0.0-4+deb12u2, QEMU and network drivers, system mode, in a network
# namespace of its own, iptables 1.8.9 nf_tables):
#
#   capture.sh SOCKET PID NAME...
#
# SOCKET is the reference's rw socket, PID its libvirtd (for its network
# namespace). For each NAME, NAME.in.xml is defined and started; what
# libvirtd shows and writes is stored: NAME.live.xml and NAME.inactive.xml
# (net-dumpxml), NAME.conf / .hostsfile / .addnhosts (dnsmasq's files, with
# /var/lib/libvirt/dnsmasq as @DNSMASQ@ and /run/libvirt/network as @RUN@),
# NAME.iptables / .ip6tables (the LIBVIRT_* rules of iptables-save); then the
# network is destroyed and undefined. Run one network at a time: the rules
# of the others would show.
set -euo pipefail
sock=$1 pid=$2; shift 2
U="qemu:///system?socket=$sock"
here=$(cd "$(dirname "$0")" && pwd)
for n in "$@"; do
  virsh -c "$U" net-define "$here/$n.in.xml" >/dev/null
  virsh -c "$U" net-start "$n" >/dev/null
  virsh -c "$U" net-dumpxml "$n" | sed '/^$/d' > "$here/$n.live.xml"
  virsh -c "$U" net-dumpxml --inactive "$n" | sed '/^$/d' > "$here/$n.inactive.xml"
  for f in conf hostsfile addnhosts; do
    sed 's#/var/lib/libvirt/dnsmasq#@DNSMASQ@#g;s#/run/libvirt/network#@RUN@#g' \
      "/var/lib/libvirt/dnsmasq/$n.$f" > "$here/$n.$f" 2>/dev/null || : > "$here/$n.$f"
  done
  nsenter -t "$pid" -n iptables-save | grep '^-A LIBVIRT_' > "$here/$n.iptables" || true
  nsenter -t "$pid" -n ip6tables-save | grep '^-A LIBVIRT_' > "$here/$n.ip6tables" || true
  virsh -c "$U" net-destroy "$n" >/dev/null
  virsh -c "$U" net-undefine "$n" >/dev/null
done
