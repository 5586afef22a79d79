#!/usr/bin/env bash
# Builds the tiny Linux test guest from Debian packages: OUT/vmlinuz, OUT/initrd.gz
# and OUT/guest.iso, a BIOS-bootable ISO 9660 image of the two (isolinux boots
# them with console=ttyS0, so the same markers show when a VM boots the CD).
# The guest prints "GUEST UP", brings every NIC up with DHCP ("GUEST IP a.b.c.d"),
# prints "GUEST READY"; with guest.tick on the kernel command line it then prints
# "GUEST TICK n" every second. guest.ping=A.B.C.D makes it ping that address once
# it has its lease ("GUEST PING OK|FAIL A.B.C.D"); guest.route prints "GUEST ROUTE
# <default route or none>". The ACPI power button (virsh shutdown, and reboot,
# which libvirt turns into a reset at the power-off) makes it print "GUEST
# POWEROFF" and power off. Boots in about 2 s under TCG with direct kernel
# boot (<kernel>/<initrd>, console=ttyS0). Needs apt-get download, dpkg-deb,
# cpio, gzip, xorriso (or genisoimage) and isolinux + syslinux-common.
set -euo pipefail
OUT=${1:?usage: build.sh OUTDIR}
[ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.gz" ] && [ -f "$OUT/guest.iso" ] && exit 0
for t in cpio dpkg-deb gzip; do command -v $t >/dev/null || { echo "build.sh: $t is missing" >&2; exit 1; }; done
ISOLINUX=/usr/lib/ISOLINUX/isolinux.bin LDLINUX=/usr/lib/syslinux/modules/bios/ldlinux.c32
for f in $ISOLINUX $LDLINUX; do [ -f "$f" ] || { echo "build.sh: $f is missing (isolinux, syslinux-common)" >&2; exit 1; }; done
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cd "$W"
# The newest Debian 12 cloud kernel (one package: a pattern would fetch every version).
newest() { apt-cache pkgnames linux-image-6.1. | grep -E '^linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64$' | sort -V | tail -1; }
kpkg=$(newest); [ -n "$kpkg" ] || { apt-get update -qq >/dev/null 2>&1; kpkg=$(newest); }
[ -n "$kpkg" ] || { echo "build.sh: no linux-image-6.1.*-cloud-amd64 package" >&2; exit 1; }
apt-get download "$kpkg" busybox-static >/dev/null 2>&1 || \
  { apt-get update -qq >/dev/null 2>&1; apt-get download "$kpkg" busybox-static >/dev/null; }
ls linux-image-*.deb >/dev/null
dpkg-deb -x "$(ls linux-image-*.deb | sort -V | tail -1)" k; dpkg-deb -x busybox-static*.deb bb
kv=$(ls k/lib/modules | sort -V | tail -1)
mkdir -p r/{bin,proc,sys,dev,etc,tmp,lib/modules}
cp bb/bin/busybox r/bin/
for a in sh mount ip udhcpc poweroff cat echo sleep uname insmod acpid mkdir ping grep head; do ln -s busybox "r/bin/$a"; done
for m in drivers/virtio/virtio drivers/virtio/virtio_ring net/core/failover drivers/net/net_failover \
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci \
         drivers/net/virtio_net drivers/block/virtio_blk drivers/char/virtio_console drivers/acpi/button \
         drivers/input/evdev; do
  cp "k/lib/modules/$kv/kernel/$m.ko" r/lib/modules/
done
cat > r/init <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio failover net_failover virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_net virtio_blk virtio_console button evdev; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
echo "GUEST UP: $(uname -r)"
mkdir -p /etc/acpi/PWRF; printf '#!/bin/sh\necho "GUEST POWEROFF" > /dev/console; poweroff -f\n' > /etc/acpi/PWRF/00000080; chmod +x /etc/acpi/PWRF/00000080
acpid -l /dev/null 2>/dev/null
for i in /sys/class/net/*; do n=${i##*/}; [ "$n" = lo ] && continue; ip link set "$n" up
  udhcpc -i "$n" -q -n -t 8 -T 1 -s /bin/dhcp-script >/dev/null 2>&1 || echo "GUEST NO DHCP on $n"; done
for w in $(cat /proc/cmdline); do case "$w" in
  guest.ping=*) p=${w#guest.ping=}; ok=FAIL
    for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do ping -c 1 -W 1 "$p" >/dev/null 2>&1 && { ok=OK; break; }; sleep 1; done
    echo "GUEST PING $ok $p";;
  guest.route) echo "GUEST ROUTE $(ip route | grep '^default' | head -1 | grep . || echo none)";;
esac; done
echo "GUEST READY"
n=0; if grep -q guest.tick /proc/cmdline; then while true; do n=$((n+1)); echo "GUEST TICK $n"; sleep 1; done; fi
while true; do sleep 3600; done
INIT
printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/${mask:-24}" dev "$interface" && { [ -n "$router" ] && ip route add default via "${router%%%% *}" dev "$interface"; echo "GUEST IP $ip on $interface" > /dev/console; }\nexit 0\n' > r/bin/dhcp-script
chmod +x r/init r/bin/dhcp-script
mkdir -p "$OUT"
(cd r && find . | cpio -o -H newc 2>/dev/null | gzip > "$OUT/initrd.gz.tmp")
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
cp "k/boot/vmlinuz-$kv" "$OUT/vmlinuz"
mkdir -p iso/isolinux; cp "$OUT/vmlinuz" "$OUT/initrd.gz" iso/
cp "$ISOLINUX" "$LDLINUX" iso/isolinux/
# No prompt, no menu: the CD boots the guest at once, its console on the first serial port.
printf 'SERIAL 0 115200\nDEFAULT guest\nPROMPT 0\nTIMEOUT 0\nLABEL guest\n  KERNEL /vmlinuz\n  APPEND initrd=/initrd.gz console=ttyS0\n' \
  > iso/isolinux/isolinux.cfg
boot=(-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table)
if command -v xorriso >/dev/null; then xorriso -as mkisofs -quiet -o "$OUT/guest.iso.tmp" -V GUEST "${boot[@]}" iso
else genisoimage -quiet -o "$OUT/guest.iso.tmp" -V GUEST "${boot[@]}" iso; fi
mv "$OUT/guest.iso.tmp" "$OUT/guest.iso"
