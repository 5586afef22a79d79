// The network driver's host side held to what libvirtd 9.0 wrote for the
// same networks (vectors in tests/testdata/network/, captured by its
// capture.sh): dnsmasq's configuration, hosts and DNS hosts files byte for
// byte (paths aside), the live definition a start makes, and — in a network
// namespace of the test's own, as root — the iptables rules libvirt's chains
// hold once the network's rules are added, and none after their removal.

import assert from "node:assert/strict";
import { formatNetworkXML, parseNetworkXML } from "../../src/conf/network_xml.ts";
import { addnHostsFile, dnsmasqConf, hostsFile } from "../../src/drivers/network/dnsmasq.ts";
import {
  addRuleSteps,
  privateChainSteps,
  removeRuleSteps,
} from "../../src/drivers/network/firewall.ts";
import type { HostStep } from "../../src/drivers/network/host.ts";
import { fillLiveDefinition } from "../../src/drivers/network/driver.ts";
import { haveCondition, haveTools } from "../interop/_tools.ts";

const DIR = new URL("../testdata/network/", import.meta.url).pathname;
const NAMES = ["default", "dvtest1", "dvroute", "dvopen", "dviso"];
const read = (f: string) => Deno.readTextFileSync(`${DIR}${f}`);
const exists = (f: string) => {
  try {
    Deno.statSync(`${DIR}${f}`);
    return true;
  } catch {
    return false;
  }
};
const paths = (name: string) => ({
  conf: `@DNSMASQ@/${name}.conf`,
  hostsfile: `@DNSMASQ@/${name}.hostsfile`,
  addnhosts: `@DNSMASQ@/${name}.addnhosts`,
  pidfile: `@RUN@/${name}.pid`,
  leases: `@DNSMASQ@/${name}.leases`,
});

for (const name of NAMES) {
  Deno.test(`dnsmasqConf() writes libvirt's configuration for network ${name}`, () => {
    const def = parseNetworkXML(read(`${name}.live.xml`));
    assert.equal(dnsmasqConf(def, paths(name)), read(`${name}.conf`));
    assert.equal(hostsFile(def), read(`${name}.hostsfile`));
    assert.equal(addnHostsFile(def), read(`${name}.addnhosts`));
  });
  if (exists(`${name}.inactive.xml`)) {
    Deno.test(`a started network ${name} shows libvirt's live definition`, () => {
      const def = parseNetworkXML(read(`${name}.inactive.xml`));
      fillLiveDefinition(def);
      assert.equal(formatNetworkXML(def, { inactive: false }), read(`${name}.live.xml`));
    });
  }
}

/** The steps as a shell script (a step with `unless` runs only when its check fails). */
function script(steps: HostStep[]): string {
  const q = (a: string[]) => a.map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(" ");
  return steps.map((s) => {
    const cmd = `${s.cmd} ${q(s.args)}`;
    const run = s.ignoreFailure ? `${cmd} 2>/dev/null || true` : cmd;
    return s.unless ? `${s.unless.cmd} ${q(s.unless.args)} >/dev/null 2>&1 || ${run}` : run;
  }).join("\n");
}

const root = Deno.uid() === 0;
const runnable = haveTools("network firewall rules", ["unshare", "iptables"]) &&
  haveCondition("network firewall rules", root, "needs root to make a network namespace");

for (const name of NAMES) {
  Deno.test({
    name: `the iptables rules of network ${name} are libvirt's, and go again`,
    ignore: !runnable,
  }, async () => {
    const def = parseNetworkXML(read(`${name}.live.xml`));
    const body = [
      "set -e",
      script(privateChainSteps()),
      script(addRuleSteps(def)),
      "echo ==4; iptables-save; echo ==6; ip6tables-save",
      script(removeRuleSteps(def)),
      "echo ==after; iptables-save; ip6tables-save",
    ].join("\n");
    const o = await new Deno.Command("unshare", {
      args: ["-n", "bash", "-c", body],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(o.stdout);
    assert.ok(o.success, new TextDecoder().decode(o.stderr));
    const part = (from: string, to: string) =>
      out.slice(out.indexOf(from), out.indexOf(to)).split("\n").filter((l) =>
        l.startsWith("-A LIBVIRT_")
      ).map((l) => l + "\n").join("");
    assert.equal(part("==4", "==6"), read(`${name}.iptables`));
    assert.equal(part("==6", "==after"), read(`${name}.ip6tables`));
    assert.ok(!out.slice(out.indexOf("==after")).includes("-A LIBVIRT_"), "rules left");
  });
}
