// The QEMU command line built from domain XML (no QEMU needed): every
// supported device becomes the arguments libvirt would give, and what the
// driver cannot do is refused with libvirt's "unsupported configuration".

import assert from "node:assert/strict";
import { parseDomainXML } from "../../src/conf/domain_xml.ts";
import { buildCommandLine, type LaunchPaths } from "../../src/drivers/qemu/command_line.ts";
import { VirError } from "../../src/rpc/error.ts";

const PATHS: LaunchPaths = {
  monitor: "/run/d/monitor-0.sock",
  pidfile: "/run/d/u.pid",
  kvm: false,
  console: (i) => `/run/d/console-0-${i}.sock`,
};

function argsOf(devices: string, extra = ""): string[] {
  return buildCommandLine(
    parseDomainXML(`<domain type='qemu'>
  <name>cl</name>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>
  ${extra}
  <devices>${devices}</devices>
</domain>`),
    PATHS,
  );
}

/** The value after each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

Deno.test("machine, memory, vCPUs, monitor, boot order: libvirt's arguments", () => {
  const args = argsOf("", "<on_reboot>destroy</on_reboot>");
  assert.deepEqual(values(args, "-name"), ["guest=cl,debug-threads=on"]);
  assert.deepEqual(values(args, "-machine"), ["pc-i440fx-7.2,accel=tcg,usb=off"]);
  assert.deepEqual(values(args, "-m"), ["size=65536k"]);
  assert.deepEqual(values(args, "-smp"), ["1,maxcpus=2"]);
  assert.deepEqual(values(args, "-uuid"), ["11111111-2222-4333-8444-555555555555"]);
  assert.deepEqual(values(args, "-boot"), ["order=dc"]);
  assert.ok(args.includes("-S"), "started paused");
  assert.ok(args.includes("-no-shutdown"));
  assert.ok(args.includes("-no-reboot"), "on_reboot destroy");
  assert.ok(args.includes("-nodefaults") && args.includes("-no-user-config"));
  assert.deepEqual(values(args, "-chardev"), [
    "socket,id=charmonitor,path=/run/d/monitor-0.sock,server=on,wait=off",
  ]);
  assert.deepEqual(values(args, "-mon"), ["chardev=charmonitor,id=monitor,mode=control"]);
  assert.deepEqual(values(args, "-display"), ["none"]);
  assert.deepEqual(args.slice(-3), ["-daemonize", "-pidfile", "/run/d/u.pid"]);
});

Deno.test("disks become -blockdev file and format nodes with their front-end device", () => {
  const args = argsOf(`
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/img/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='/img/boot.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>`);
  const blockdevs = values(args, "-blockdev").map((j) => JSON.parse(j));
  assert.deepEqual(blockdevs, [
    {
      driver: "file",
      filename: "/img/a.qcow2",
      "node-name": "libvirt-0-storage",
      "auto-read-only": true,
      discard: "unmap",
    },
    {
      "node-name": "libvirt-0-format",
      "read-only": false,
      driver: "qcow2",
      file: "libvirt-0-storage",
    },
    {
      driver: "file",
      filename: "/img/boot.iso",
      "node-name": "libvirt-1-storage",
      "auto-read-only": true,
      discard: "unmap",
    },
    {
      "node-name": "libvirt-1-format",
      "read-only": true,
      driver: "raw",
      file: "libvirt-1-storage",
    },
  ]);
  const devices = values(args, "-device");
  assert.ok(
    devices.some((d) => /^virtio-blk-pci,drive=libvirt-0-format,id=/.test(d)),
    devices.join(" "),
  );
  assert.ok(devices.some((d) => /^ide-cd,bus=ide\.0,unit=0,drive=libvirt-1-format,id=/.test(d)));
});

Deno.test("user networking, serial ports, VNC, video and balloon", () => {
  const args = argsOf(`
    <interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <serial type='file'><source path='/var/log/s1.log'/><target port='1'/></serial>
    <graphics type='vnc' port='5907' autoport='no' listen='0.0.0.0'/>
    <video><model type='cirrus'/></video>
    <memballoon model='virtio'/>`);
  assert.deepEqual(values(args, "-netdev"), ["user,id=hostnet0"]);
  const devices = values(args, "-device");
  assert.ok(devices.includes("virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:00:00:01"));
  assert.ok(devices.includes("isa-serial,chardev=charserial0,id=serial0"));
  assert.ok(devices.includes("isa-serial,chardev=charserial1,id=serial1"));
  assert.ok(devices.includes("cirrus-vga,id=video0"));
  assert.ok(devices.includes("virtio-balloon-pci,id=balloon0"));
  const chardevs = values(args, "-chardev");
  // A pty serial port is served through the daemon's console socket.
  assert.ok(chardevs.includes(
    "socket,id=charserial0,path=/run/d/console-0-0.sock,server=on,wait=off",
  ));
  assert.ok(chardevs.includes("file,id=charserial1,path=/var/log/s1.log"));
  assert.deepEqual(values(args, "-vnc"), ["0.0.0.0:7"]);
  assert.deepEqual(values(args, "-display"), []);
});

Deno.test("what the driver cannot run is refused as an unsupported configuration", () => {
  const refused = (devices: string, why: RegExp) => {
    assert.throws(() => argsOf(devices), (e: unknown) => {
      assert.ok(e instanceof VirError);
      assert.equal(e.code, 67);
      assert.equal(e.domain, 10);
      assert.match(e.message, why);
      return true;
    });
  };
  refused(
    "<interface type='network'><source network='default'/></interface>",
    /interface type 'network'/,
  );
  refused(
    "<disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='sata'/></disk>",
    /disk bus 'sata'/,
  );
  refused("<graphics type='spice'/>", /graphics type 'spice'/);
  refused(
    "<disk type='file' device='disk'><source file='/a,b'/><target dev='vda' bus='virtio'/></disk><serial type='file'><source path='/x,y'/></serial>",
    /contains a comma/,
  );
});
