// Node device XML against libvirt 9.0's own output: every vector in
// tests/testdata/xml/nodedev was produced by libvirt's test driver
// (regenerate.py), devices, capability lists, vHBA creation and errors alike.

import assert from "node:assert/strict";
import {
  capabilityNames,
  deviceHasCap,
  formatNodeDeviceXML,
  type NodeDeviceDef,
  parseNodeDeviceXML,
} from "../../src/conf/nodedev_xml.ts";
import { VirError } from "../../src/rpc/error.ts";
import { createVHBA, destroyNodeDevice, destroyVport } from "../../src/drivers/test/vhba.ts";
import { defaultTestNodeDevices } from "../../src/drivers/test/defaults.ts";

const DIR = new URL("../testdata/xml/nodedev/", import.meta.url);

interface ErrJson {
  code: number;
  domain: number;
  message: string;
}

function read(name: string): string {
  return Deno.readTextFileSync(new URL(name, DIR));
}

function exists(name: string): boolean {
  try {
    Deno.statSync(new URL(name, DIR));
    return true;
  } catch {
    return false;
  }
}

function names(prefix: string, ext: string, exclude: string[] = []): string[] {
  return [...Deno.readDirSync(DIR)]
    .map((e) => e.name)
    .filter((n) => n.startsWith(prefix) && n.endsWith(ext) && !exclude.some((x) => n.endsWith(x)))
    .map((n) => n.slice(0, -ext.length))
    .sort();
}

function assertVirError(fn: () => unknown, expected: ErrJson, what: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    assert.deepEqual({ code: e.code, domain: e.domain, message: e.message }, expected, what);
    return;
  }
  assert.fail(`${what}: expected error ${expected.message}`);
}

Deno.test("device vectors: parse and format match nodedev-dumpxml, caps match ListCaps", () => {
  const bases = names("dev-", ".xml", [".out.xml"]);
  assert.ok(bases.length >= 12);
  for (const base of bases) {
    const input = read(`${base}.xml`);
    if (exists(`${base}.err.json`)) {
      assertVirError(
        () => parseNodeDeviceXML(input, "existing"),
        JSON.parse(read(`${base}.err.json`)),
        base,
      );
      continue;
    }
    const def = parseNodeDeviceXML(input, "existing");
    assert.equal(formatNodeDeviceXML(def), read(`${base}.out.xml`), base);
    assert.deepEqual(capabilityNames(def), JSON.parse(read(`${base}.caps.json`)), base);
    // Workers hand definitions to each other as JSON: a copy formats as libvirt's output too.
    const copy = JSON.parse(JSON.stringify(def)) as typeof def;
    assert.equal(formatNodeDeviceXML(copy), read(`${base}.out.xml`), `${base} copied as JSON`);
  }
});

Deno.test("defaultTestNodeDevices are test:///default's devices, vport_ops 0/0 included", () => {
  const devs = defaultTestNodeDevices();
  assert.deepEqual(devs.map((d) => d.name), [
    "computer",
    "scsi_host1",
    "scsi_host2",
    "scsi_host11",
  ]);
  const caps = JSON.parse(read("default.caps.json")) as Record<string, string[]>;
  for (const d of devs) {
    assert.equal(formatNodeDeviceXML(d), read(`default-${d.name}.out.xml`), d.name);
    assert.deepEqual(capabilityNames(d), caps[d.name], d.name);
  }
});

Deno.test("listing by capability counts fc_host and vports on HBAs", () => {
  const devs = defaultTestNodeDevices();
  const having = (cap: string) => devs.filter((d) => deviceHasCap(d, cap)).map((d) => d.name);
  assert.deepEqual(having("system"), ["computer"]);
  assert.deepEqual(having("scsi_host"), ["scsi_host1", "scsi_host2", "scsi_host11"]);
  assert.deepEqual(having("fc_host"), ["scsi_host1", "scsi_host2", "scsi_host11"]);
  assert.deepEqual(having("vports"), ["scsi_host1", "scsi_host2"]);
  assert.deepEqual(having("vport_ops"), []);
  assert.deepEqual(having("pci"), []);
});

Deno.test("create vectors: virNodeDeviceCreateXML's vHBA mock, its device and its errors", () => {
  const bases = names("create-", ".xml", [".out.xml"]);
  assert.ok(bases.length >= 12);
  for (const base of bases) {
    const input = read(`${base}.xml`);
    const devs = defaultTestNodeDevices();
    const create = () => createVHBA(null, parseNodeDeviceXML(input), devs);
    if (exists(`${base}.err.json`)) {
      assertVirError(create, JSON.parse(read(`${base}.err.json`)), base);
      continue;
    }
    const dev = create();
    assert.equal(formatNodeDeviceXML(dev), read(`${base}.out.xml`), base);
    const result = JSON.parse(read(`${base}.result.json`));
    const after = [...devs.filter((d) => d.name !== dev.name), dev];
    assert.equal(dev.name, result.name, base);
    assert.deepEqual(after.map((d) => d.name).sort(), result.afterCreate, base);
    assert.deepEqual(
      destroyNodeDevice(dev.name, after).map((d) => d.name).sort(),
      result.afterDestroy,
      base,
    );
  }
});

Deno.test("create and destroy sequences leave the devices libvirt leaves", () => {
  for (const base of names("seq-", ".json", [".expected.json"])) {
    const steps = JSON.parse(read(`${base}.json`)) as { op: string; xml?: string; name?: string }[];
    const expected = JSON.parse(read(`${base}.expected.json`)) as {
      name?: string;
      xml?: string;
      devices?: string[];
      error?: ErrJson;
    }[];
    let devs: NodeDeviceDef[] = defaultTestNodeDevices();
    steps.forEach((step, i) => {
      const run = () => {
        if (step.op === "create") {
          const dev = createVHBA(null, parseNodeDeviceXML(step.xml!), devs);
          const at = devs.findIndex((d) => d.name === dev.name);
          devs = at < 0 ? [...devs, dev] : devs.map((d, j) => (j === at ? dev : d));
          return {
            name: dev.name,
            xml: formatNodeDeviceXML(dev),
            devices: devs.map((d) => d.name).sort(),
          };
        }
        devs = destroyNodeDevice(step.name!, devs);
        return { devices: devs.map((d) => d.name).sort() };
      };
      const want = expected[i]!;
      if (want.error) assertVirError(run, want.error, `${base} step ${i}`);
      else assert.deepEqual(run(), want, `${base} step ${i}`);
    });
  }
});

Deno.test("a pool's fc_host vport is removed on pool destroy, or the test driver's error", () => {
  const devs = defaultTestNodeDevices();
  assertVirError(() => destroyVport(devs), {
    code: 53,
    domain: 12,
    message: "Node device not found: no node device with matching name 'scsi_host12'",
  }, "no scsi_host12");
  const xml = read("create-vhba-parent-name.xml");
  const with12 = [...devs, createVHBA(null, parseNodeDeviceXML(xml), devs)];
  assert.deepEqual(destroyVport(with12).map((d) => d.name), devs.map((d) => d.name));
});

Deno.test("create mode names the device 'new device' and skips host numbers", () => {
  const def = parseNodeDeviceXML(read("create-vhba-unvalidated-wwns.xml"));
  assert.equal(def.name, "new device");
  assert.equal(def.parent, "scsi_host1");
  const cap = def.caps[0]!;
  assert.ok(cap.type === "scsi_host");
  assert.equal(cap.host, 0);
  assert.deepEqual(cap.fcHost, { wwnn: "zz", wwpn: "b", fabricWwn: "c" });
});
