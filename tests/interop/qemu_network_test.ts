// The network driver and guests' interfaces on qemu:///system, driven by
// virsh against a denovirt daemon in a network namespace of its own: the
// `default` NAT network, two tiny guests that get DHCP leases and ping each
// other, net-dhcp-leases and domifaddr agreeing with what the guests say,
// network events, isolated/routed/open networks, bad input that leaves
// nothing behind, a kill -9 of the daemon with a network and two guests
// running, and virt-install with its default network (no --network).

import assert from "node:assert/strict";
import {
  guestXML,
  type NetnsDaemon,
  networkSuiteRunnable,
  run,
  serialLine,
  startNetnsDaemon,
  testGuest,
} from "./_netns.ts";
import { killQemus } from "../drivers/_qemu.ts";
import { haveTools } from "./_tools.ts";

const runnable = networkSuiteRunnable("QEMU network driver");
const installRunnable = runnable &&
  haveTools("virt-install on the default network", ["virt-install", "qemu-img"]);

const must = async (d: NetnsDaemon, ...args: string[]) => {
  const r = await d.virsh(...args);
  assert.ok(r.ok, `virsh ${args.join(" ")}: ${r.out}`);
  return r.stdout;
};

/** The rows of `virsh net-dhcp-leases` / `domifaddr` as [mac, ip/prefix] pairs. */
function rows(text: string): string[][] {
  return text.split("\n").filter((l) => /\d+\.\d+\.\d+\.\d+\//.test(l)).map((l) => {
    const mac = /([0-9a-f]{2}:){5}[0-9a-f]{2}/.exec(l)?.[0] ?? "";
    const ip = /\d+\.\d+\.\d+\.\d+\/\d+/.exec(l)?.[0] ?? "";
    return [mac, ip];
  });
}

/** What the namespace holds of a network's making: links, LIBVIRT rules, dnsmasq processes. */
async function hostState(d: NetnsDaemon) {
  const links = (await d.ns("ip", "-br", "link")).split("\n").map((l) => l.split(/\s+/)[0] ?? "")
    .filter((x) => x && x !== "lo");
  const rules = (await d.ns("iptables-save")).split("\n").filter((l) =>
    l.startsWith("-A LIBVIRT_")
  );
  const dnsmasq = (await d.ns("ps", "-eo", "args=")).split("\n").filter((l) =>
    l.startsWith("/usr/sbin/dnsmasq") && l.includes(d.dir)
  );
  return { links, rules, dnsmasq };
}

Deno.test({
  name: "guests on the default network get leases that net-dhcp-leases and domifaddr report",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await testGuest();
  const d = await startNetnsDaemon();
  const uuids: string[] = [];
  try {
    await t.step("the default network is defined on a first start, inactive", async () => {
      const list = await must(d, "net-list", "--all");
      assert.match(list, /default\s+inactive\s+no\s+yes/);
      const xml = await must(d, "net-dumpxml", "default");
      assert.match(xml, /<forward mode='nat'\/>/);
      assert.match(xml, /<bridge name='virbr0' stp='on' delay='0'\/>/);
      assert.match(xml, /<mac address='52:54:00:[0-9a-f:]{8}'\/>/);
    });

    await t.step("net-start makes the bridge, the NAT rules and dnsmasq", async () => {
      await must(d, "net-start", "default");
      const addr = await d.ns("ip", "-br", "addr", "show", "dev", "virbr0");
      assert.match(addr, /192\.168\.122\.1\/24/);
      const rules = (await hostState(d)).rules;
      assert.ok(
        rules.includes(
          "-A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535",
        ),
        rules.join("\n"),
      );
      assert.equal((await hostState(d)).dnsmasq.length, 1);
      const live = await must(d, "net-dumpxml", "default");
      assert.match(live, /<port start='1024' end='65535'\/>/);
      const inactive = await must(d, "net-dumpxml", "default", "--inactive");
      assert.match(inactive, /<forward mode='nat'\/>/);
    });

    const serial = (n: string) => `${d.dir}/${n}.serial`;
    const nic = "<interface type='network'><source network='default'/><model type='virtio'/>" +
      "</interface>";
    let ip1 = "";
    await t.step("a guest gets a lease; leases and domifaddr agree with it", async () => {
      await Deno.writeTextFile(`${d.dir}/g1.xml`, guestXML("g1", guest, serial("g1"), nic));
      await must(d, "define", `${d.dir}/g1.xml`);
      uuids.push((await must(d, "domuuid", "g1")).trim());
      await must(d, "start", "g1");
      ip1 = (await serialLine(serial("g1"), /GUEST IP (\S+) on eth0/))[1]!;
      assert.match(ip1, /^192\.168\.122\./);
      const mac = /mac address='([^']+)'/.exec(await must(d, "dumpxml", "g1"))![1]!;
      const leases = rows(await must(d, "net-dhcp-leases", "default"));
      assert.deepEqual(leases, [[mac, `${ip1}/24`]]);
      assert.deepEqual(rows(await must(d, "domifaddr", "g1", "--source", "lease")), [[
        mac,
        `${ip1}/24`,
      ]]);
      const list = await must(d, "domiflist", "g1");
      assert.match(list, /vnet0\s+network\s+default\s+virtio\s+/);
      const live = await must(d, "dumpxml", "g1");
      assert.match(live, /<source network='default' portid='[0-9a-f-]{36}' bridge='virbr0'\/>/);
      assert.match(live, /<target dev='vnet0'\/>/);
      assert.match(await must(d, "net-dumpxml", "default"), /<network connections='1'>/);
      const stat = await must(d, "domifstat", "g1", "vnet0");
      assert.match(stat, /vnet0 rx_bytes \d+/);
      assert.match(await d.ns("ip", "-br", "link", "show", "vnet0"), /fe:54:00/);
    });

    await t.step("a second guest on the network reaches the first", async () => {
      await Deno.writeTextFile(
        `${d.dir}/g2.xml`,
        guestXML("g2", guest, serial("g2"), nic, `guest.ping=${ip1}`),
      );
      await must(d, "create", `${d.dir}/g2.xml`);
      uuids.push((await must(d, "domuuid", "g2")).trim());
      const ping = await serialLine(serial("g2"), /GUEST PING (\w+) (\S+)/);
      assert.equal(ping[1], "OK", `g2 could not ping ${ip1}`);
      assert.equal(rows(await must(d, "net-dhcp-leases", "default")).length, 2);
    });

    await t.step("a NIC's <bandwidth> shapes its tap with libvirt's tc rules", async () => {
      // Inbound (to the guest) is the tap's transmit side: an HTB class; outbound is
      // policed on the tap's ingress. tc reads libvirt's kbps as 1000 bytes/s: 1000 is 8Mbit.
      const shaped = "<interface type='network'><source network='default'/>" +
        "<target dev='shaped0'/><model type='virtio'/><bandwidth>" +
        "<inbound average='1000' peak='2000' burst='256'/><outbound average='500'/>" +
        "</bandwidth></interface>";
      await Deno.writeTextFile(`${d.dir}/g3.xml`, guestXML("g3", guest, serial("g3"), shaped));
      // Some kernels (this project's CI machines among them) lack the qdisc, action and
      // classifier libvirt's rules use; libvirt's start fails there, and so must ours.
      const probe = await d.ns(
        "sh",
        "-c",
        "ip tuntap add dev probe0 mode tap && tc qdisc add dev probe0 root handle 1: htb && " +
          "tc qdisc add dev probe0 parent 1: handle 2: sfq perturb 10 && " +
          "tc qdisc add dev probe0 ingress && tc filter add dev probe0 parent ffff: protocol all " +
          "u32 match u32 0 0 police rate 1kbps burst 1kb drop flowid :1 && " +
          "tc filter add dev probe0 parent 1:0 protocol all prio 1 handle 1 fw flowid 1 && " +
          "echo TC-OK; ip link del probe0",
      );
      if (!probe.includes("TC-OK")) {
        console.warn(
          "qemu_network_test: this kernel lacks sch_sfq, act_police or cls_fw: checking that " +
            "a shaped NIC fails to start as with libvirt and leaves nothing, not the shaping",
        );
        const r = await d.virsh("create", `${d.dir}/g3.xml`);
        assert.ok(!r.ok);
        assert.match(r.out, /internal error: Child process \(tc [^)]+\) unexpected exit status/);
        assert.doesNotMatch(await d.ns("ip", "-br", "link"), /shaped0/);
        assert.match((await d.virsh("domstate", "g3")).out, /failed to get domain/);
        return;
      }
      await must(d, "create", `${d.dir}/g3.xml`);
      try {
        const cls = await d.ns("tc", "class", "show", "dev", "shaped0");
        assert.match(cls, /class htb 1:1 root leaf 2: prio 0 rate 8Mbit ceil 16Mbit burst 256Kb/);
        assert.match(
          await d.ns("tc", "qdisc", "show", "dev", "shaped0"),
          /qdisc sfq 2: parent 1:1/,
        );
        const police = await d.ns("tc", "filter", "show", "dev", "shaped0", "parent", "ffff:");
        assert.match(police, /police 0x\w+ rate 4Mbit burst 500Kb mtu 64Kb action drop/);
        assert.match(
          await must(d, "dumpxml", "g3"),
          /<inbound average='1000' peak='2000' burst='256'\/>/,
        );
      } finally {
        await must(d, "destroy", "g3");
      }
      assert.doesNotMatch(await d.ns("ip", "-br", "link"), /shaped0/);
    });

    await t.step(
      "after kill -9 the daemon adopts the network, its dnsmasq and the taps",
      async () => {
        const before = await hostState(d);
        const pidBefore = before.dnsmasq.length;
        await d.kill9();
        await d.restart();
        const list = await must(d, "net-list");
        assert.match(list, /default\s+active/);
        const after = await hostState(d);
        assert.deepEqual(after.links.sort(), before.links.sort());
        assert.deepEqual(after.rules, before.rules);
        assert.equal(after.dnsmasq.length, pidBefore);
        assert.equal(rows(await must(d, "net-dhcp-leases", "default")).length, 2);
        assert.match(await must(d, "net-dumpxml", "default"), /<network connections='2'>/);
        assert.equal(rows(await must(d, "domifaddr", "g1")).length, 1);
      },
    );

    await t.step("destroying the guests and the network leaves nothing", async () => {
      await must(d, "destroy", "g1");
      await must(d, "destroy", "g2");
      assert.deepEqual((await hostState(d)).links, ["virbr0"]);
      await must(d, "net-destroy", "default");
      const left = await hostState(d);
      assert.deepEqual(left.links, []);
      assert.deepEqual(left.rules, []);
      assert.deepEqual(left.dnsmasq, []);
    });
  } finally {
    killQemus(...uuids);
    await d.stop();
  }
});

Deno.test({
  name: "isolated, routed and open networks set up what libvirt sets up",
  ignore: !runnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await testGuest();
  const d = await startNetnsDaemon();
  const uuids: string[] = [];
  try {
    await t.step("an isolated network gives leases but no route out", async () => {
      await Deno.writeTextFile(
        `${d.dir}/iso.xml`,
        `<network><name>iso</name><bridge name='virbr1'/><ip address='192.168.180.1' netmask='255.255.255.0'><dhcp>` +
          `<range start='192.168.180.2' end='192.168.180.254'/></dhcp></ip></network>`,
      );
      await must(d, "net-create", `${d.dir}/iso.xml`);
      const serial = `${d.dir}/gi.serial`;
      await Deno.writeTextFile(
        `${d.dir}/gi.xml`,
        guestXML(
          "gi",
          guest,
          serial,
          "<interface type='network'><source network='iso'/><model type='virtio'/></interface>",
          "guest.route",
        ),
      );
      await must(d, "create", `${d.dir}/gi.xml`);
      uuids.push((await must(d, "domuuid", "gi")).trim());
      const ip = (await serialLine(serial, /GUEST IP (\S+) on eth0/))[1]!;
      assert.match(ip, /^192\.168\.180\./);
      assert.equal((await serialLine(serial, /GUEST ROUTE (.*)/))[1]!.trim(), "none");
      const rules = (await hostState(d)).rules;
      assert.ok(
        rules.includes("-A LIBVIRT_FWO -i virbr1 -j REJECT --reject-with icmp-port-unreachable"),
      );
      assert.ok(!rules.some((r) => r.includes("MASQUERADE")));
      await must(d, "destroy", "gi");
      await must(d, "net-destroy", "iso");
    });

    await t.step("a routed network adds its static routes and routing rules", async () => {
      await Deno.writeTextFile(
        `${d.dir}/rt.xml`,
        `<network><name>rt</name><forward mode='route'/><bridge name='virbr7'/>` +
          `<ip address='192.168.160.1' prefix='24'/>` +
          `<route address='10.99.0.0' prefix='16' gateway='192.168.160.2'/></network>`,
      );
      await must(d, "net-define", `${d.dir}/rt.xml`);
      await must(d, "net-start", "rt");
      const routes = await d.ns("ip", "route");
      assert.match(routes, /10\.99\.0\.0\/16 via 192\.168\.160\.2 dev virbr7 metric 1/);
      const rules = (await hostState(d)).rules;
      assert.ok(rules.includes("-A LIBVIRT_FWO -s 192.168.160.0/24 -i virbr7 -j ACCEPT"));
      assert.ok(rules.includes("-A LIBVIRT_FWI -d 192.168.160.0/24 -o virbr7 -j ACCEPT"));
      assert.equal((await d.ns("sysctl", "-n", "net.ipv4.ip_forward")).trim(), "1");
      await must(d, "net-destroy", "rt");
      assert.doesNotMatch(await d.ns("ip", "route"), /10\.99/);
    });

    await t.step("an open network has its bridge and no rules", async () => {
      await Deno.writeTextFile(
        `${d.dir}/op.xml`,
        `<network><name>op</name><forward mode='open'/><bridge name='virbr3'/><ip address='192.168.170.1' prefix='24'/></network>`,
      );
      await must(d, "net-create", `${d.dir}/op.xml`);
      const st = await hostState(d);
      assert.deepEqual(st.links, ["virbr3"]);
      assert.deepEqual(st.rules, []);
      await must(d, "net-destroy", "op");
    });

    await t.step("a network that cannot start leaves nothing behind", async () => {
      await d.ns("ip", "link", "add", "virbr9", "type", "bridge");
      await Deno.writeTextFile(
        `${d.dir}/bad.xml`,
        `<network><name>bad</name><bridge name='virbr9'/><ip address='192.168.190.1' prefix='24'>` +
          `<dhcp><range start='192.168.190.2' end='192.168.190.9'/></dhcp></ip></network>`,
      );
      await must(d, "net-define", `${d.dir}/bad.xml`);
      const r = await d.virsh("net-start", "bad");
      assert.ok(!r.ok);
      assert.match(r.out, /error creating bridge interface virbr9: File exists/);
      const st = await hostState(d);
      assert.deepEqual(st.rules, []);
      assert.deepEqual(st.dnsmasq, []);
      assert.ok(st.links.includes("virbr9"));
      assert.match(await must(d, "net-list", "--all"), /bad\s+inactive/);
    });

    await t.step("a network's own <bandwidth> is refused at start, not ignored", async () => {
      await Deno.writeTextFile(
        `${d.dir}/qos.xml`,
        `<network><name>qos</name><bridge name='virbr8'/><bandwidth><inbound average='1000'/>` +
          `</bandwidth><ip address='192.168.180.1' prefix='24'/></network>`,
      );
      await must(d, "net-define", `${d.dir}/qos.xml`);
      assert.match(await must(d, "net-dumpxml", "qos"), /<inbound average='1000'\/>/);
      const r = await d.virsh("net-start", "qos");
      assert.ok(!r.ok);
      assert.match(r.out, /unsupported configuration: <bandwidth> of network 'qos'/);
      assert.ok(!(await hostState(d)).links.includes("virbr8"));
      await must(d, "net-undefine", "qos");
    });

    await t.step("an address already routed is refused", async () => {
      await d.ns("ip", "link", "add", "clash5", "type", "bridge");
      await d.ns("ip", "addr", "add", "10.55.0.1/24", "dev", "clash5");
      await d.ns("ip", "link", "set", "clash5", "up");
      await Deno.writeTextFile(
        `${d.dir}/clash.xml`,
        `<network><name>clash</name><ip address='10.55.0.2' prefix='24'/></network>`,
      );
      const r = await d.virsh("net-create", `${d.dir}/clash.xml`);
      assert.ok(!r.ok);
      assert.match(r.out, /Network is already in use by interface clash5/);
      assert.doesNotMatch(await must(d, "net-list", "--all"), /clash/);
      assert.deepEqual((await hostState(d)).rules, []);
    });

    await t.step("a domain on an inactive network does not start and leaves no tap", async () => {
      await Deno.writeTextFile(
        `${d.dir}/gx.xml`,
        guestXML(
          "gx",
          guest,
          `${d.dir}/gx.serial`,
          "<interface type='network'><source network='bad'/></interface>",
        ),
      );
      await must(d, "define", `${d.dir}/gx.xml`);
      const r = await d.virsh("start", "gx");
      assert.ok(!r.ok);
      assert.match(r.out, /Requested operation is not valid: network 'bad' is not active/);
      const missing = await d.virsh("net-dumpxml", "nosuch");
      assert.match(missing.out, /Network not found: no network with matching name 'nosuch'/);
      assert.ok(!(await hostState(d)).links.some((l) => l.startsWith("vnet")));
    });
  } finally {
    killQemus(...uuids);
    await d.stop();
  }
});

Deno.test({
  name: "virt-install without --network puts the guest on the default network, with a lease",
  ignore: !installRunnable,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const guest = await testGuest();
  const d = await startNetnsDaemon();
  const uuids: string[] = [];
  try {
    await must(d, "net-start", "default");
    const serial = `${d.dir}/vi.serial`;
    await t.step("virt-install with its defaults: running, on network 'default'", async () => {
      const disk = `${d.dir}/vi.qcow2`;
      const img = await run("qemu-img", ["create", "-f", "qcow2", disk, "64M"]);
      assert.ok(img.ok, img.out);
      const r = await run("virt-install", [
        "--connect",
        d.uri,
        "--virt-type",
        "qemu",
        "--name",
        "vi",
        "--memory",
        "128",
        "--disk",
        disk,
        "--import",
        // A Linux osinfo, so virt-install gives the NIC virtio (an unknown OS gets an e1000,
        // which the tiny guest's cloud kernel has no driver for).
        "--osinfo",
        "linux2022",
        "--graphics",
        "none",
        "--boot",
        `kernel=${guest.kernel},initrd=${guest.initrd},kernel_args=console=ttyS0`,
        "--serial",
        `file,path=${serial}`,
        "--noautoconsole",
      ]);
      assert.ok(r.ok, r.out);
      uuids.push((await must(d, "domuuid", "vi")).trim());
      assert.match(await must(d, "domstate", "vi"), /running/);
      assert.match(await must(d, "domiflist", "vi"), /vnet0\s+network\s+default\s+virtio\s+/);
      assert.match(await must(d, "net-dumpxml", "default"), /<network connections='1'>/);
    });
    await t.step("the guest's DHCP lease: its serial port and net-dhcp-leases agree", async () => {
      const ip = (await serialLine(serial, /GUEST IP (\S+) on eth0/))[1]!;
      assert.match(ip, /^192\.168\.122\./);
      const mac = /mac address='([^']+)'/.exec(await must(d, "dumpxml", "vi"))![1]!;
      assert.deepEqual(rows(await must(d, "net-dhcp-leases", "default")), [[mac, `${ip}/24`]]);
      assert.deepEqual(rows(await must(d, "domifaddr", "vi")), [[mac, `${ip}/24`]]);
      await serialLine(serial, /GUEST READY/);
    });
  } finally {
    killQemus(...uuids);
    await d.stop();
  }
});
