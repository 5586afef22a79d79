#!/bin/sh
# A QEMU that takes a while to start (tests of domain jobs): notes that it began
# in $DIR/started-<uuid> (the argument after -uuid), waits, then runs the real one.
uuid=""
prev=""
for a in "$@"; do
  [ "$prev" = "-uuid" ] && uuid="$a"
  prev="$a"
done
dir="$(dirname "$0")"
[ -n "$uuid" ] && touch "$dir/started-$uuid"
sleep "$(cat "$dir/delay" 2>/dev/null || echo 2)"
exec /usr/bin/qemu-system-x86_64 "$@"
