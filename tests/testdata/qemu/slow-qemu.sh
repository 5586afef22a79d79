#!/bin/sh
# A QEMU whose launch the test holds (tests of domain jobs). Each launch adds a
# line to $DIR/started-<uuid> (the argument after -uuid), then waits until the
# test creates $DIR/go-<uuid>; then it runs the real QEMU, and once that has
# daemonized (the guest runs) adds a line to $DIR/launched-<uuid>.
uuid=""
prev=""
for a in "$@"; do
  [ "$prev" = "-uuid" ] && uuid="$a"
  prev="$a"
done
dir="$(dirname "$0")"
# Without -uuid this is the driver probing what QEMU offers: no wait.
[ -z "$uuid" ] && exec /usr/bin/qemu-system-x86_64 "$@"
[ -n "$uuid" ] && echo started >> "$dir/started-$uuid"
while [ ! -e "$dir/go-$uuid" ]; do
  [ -e "$dir/slow-qemu.sh" ] || exit 1 # the test and its directory are gone
  sleep 0.05
done
/usr/bin/qemu-system-x86_64 "$@"
status=$?
[ -n "$uuid" ] && echo launched >> "$dir/launched-$uuid"
exit $status
