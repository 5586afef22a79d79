#!/usr/bin/env bash
# Build a tiny Linux test guest from Debian packages: OUT/vmlinuz + OUT/initrd.gz.
# (The project's copy of the shared test-guest-build, extended for the
# network tests: guest.ping=A.B.C.D on the kernel command line makes the guest
# ping that address once it has its lease and print "GUEST PING OK A.B.C.D"
# or "GUEST PING FAIL A.B.C.D"; guest.route prints "GUEST ROUTE <default
# route or none>".)
# The guest prints "GUEST UP", brings every NIC up with DHCP ("GUEST IP a.b.c.d"),
# prints "GUEST READY"; with guest.tick on the kernel command line it then prints
# "GUEST TICK n" every second (so a migration or snapshot revert shows). (ACPI power-button shutdown is not wired yet: busybox acpid
# does not act on it as set up here.)
# Boots in ~2 s under TCG with direct kernel boot (<kernel>/<initrd>, console=ttyS0).
set -euo pipefail
OUT=${1:?usage: test-guest-build OUTDIR}
[ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.gz" ] && exit 0
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cd "$W"
apt-get download linux-image-6.1.0-57-cloud-amd64 busybox-static >/dev/null 2>&1 || \
  { apt-get update -qq >/dev/null 2>&1; apt-get download 'linux-image-6.1.*-cloud-amd64' busybox-static >/dev/null; }
dpkg-deb -x linux-image-*.deb k; dpkg-deb -x busybox-static*.deb bb
kv=$(ls k/lib/modules)
mkdir -p r/{bin,proc,sys,dev,etc,tmp,lib/modules}
cp bb/bin/busybox r/bin/
for a in sh mount ip udhcpc poweroff cat echo sleep uname insmod acpid mkdir ping grep head; do ln -s busybox "r/bin/$a"; done
for m in drivers/virtio/virtio drivers/virtio/virtio_ring net/core/failover drivers/net/net_failover drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/net/virtio_net \
         drivers/block/virtio_blk drivers/char/virtio_console drivers/acpi/button drivers/input/evdev; do
  cp "k/lib/modules/$kv/kernel/$m.ko" r/lib/modules/
done
cat > r/init <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio failover net_failover virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_net virtio_blk virtio_console button evdev; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
echo "GUEST UP: $(uname -r)"
mkdir -p /etc/acpi/PWRF; printf '#!/bin/sh\necho "GUEST POWEROFF"; poweroff -f\n' > /etc/acpi/PWRF/00000080; chmod +x /etc/acpi/PWRF/00000080
acpid 2>/dev/null
for i in /sys/class/net/*; do n=${i##*/}; [ "$n" = lo ] && continue; ip link set "$n" up
  udhcpc -i "$n" -q -n -t 8 -T 1 -s /bin/dhcp-script >/dev/null 2>&1 || echo "GUEST NO DHCP on $n"; done
for w in $(cat /proc/cmdline); do case "$w" in
  guest.ping=*) p=${w#guest.ping=}; ok=FAIL
    for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do ping -c 1 -W 1 "$p" >/dev/null 2>&1 && { ok=OK; break; }; sleep 1; done
    echo "GUEST PING $ok $p";;
  guest.route) echo "GUEST ROUTE $(ip route | grep '^default' | head -1 | grep . || echo none)";;
esac; done
echo "GUEST READY"
# guest.tick on the kernel command line: print a counter every second
n=0; if grep -q guest.tick /proc/cmdline; then while true; do n=$((n+1)); echo "GUEST TICK $n"; sleep 1; done; fi
while true; do sleep 3600; done
INIT
printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/${mask:-24}" dev "$interface" && { [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"; echo "GUEST IP $ip on $interface" > /dev/console; }\nexit 0\n' > r/bin/dhcp-script
chmod +x r/init r/bin/dhcp-script
mkdir -p "$OUT"
(cd r && find . | cpio -o -H newc 2>/dev/null | gzip > "$OUT/initrd.gz")
cp "k/boot/vmlinuz-$kv" "$OUT/vmlinuz"
