// The domain XML model against libvirt 9.0's own output: every vector in
// tests/testdata/xml/domain/ was defined on test:///default by
// regenerate.py (re-checked by tests/interop/vectors_test.ts), and each dump
// of it must come out byte for byte.

import assert from "node:assert/strict";
import {
  copyDomainDef,
  diskNameToIndex,
  type DomainDef,
  formatDomainXML,
  parseDomainXML,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
} from "../../src/conf/domain_xml.ts";
import { VirError } from "../../src/rpc/error.ts";
import { generateMAC } from "../../src/util/mac.ts";
import { generateUUID, parseUUID } from "../../src/util/uuid.ts";
import { assignTestIfnames } from "../../src/drivers/test/domain_common.ts";
import { defaultTestDomain } from "../../src/drivers/test/defaults.ts";

const DIR = new URL("../testdata/xml/domain/", import.meta.url);

function read(name: string): string | null {
  try {
    return Deno.readTextFileSync(new URL(name, DIR));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** What the test driver does on define: parse, then name the interfaces. */
function define(xml: string): DomainDef {
  return assignTestIfnames(parseDomainXML(xml));
}

function liveId(out: string): number {
  const m = /^<domain type='[^']+' id='(\d+)'>/.exec(out);
  assert.ok(m, "live output has an id");
  return Number(m[1]);
}

const inputs = [...Deno.readDirSync(DIR)]
  .map((e) => e.name)
  .filter((n) => /^[^.]+\.xml$/.test(n))
  .map((n) => n.slice(0, -4))
  .sort();

for (const name of inputs) {
  const xml = read(`${name}.xml`)!;
  const err = read(`${name}.err.json`);
  if (err !== null) {
    Deno.test(`parseDomainXML() refuses ${name} with libvirt's error`, () => {
      const want = JSON.parse(err) as { code: number; domain: number; message: string };
      let got: unknown = null;
      try {
        parseDomainXML(xml);
      } catch (e) {
        got = e;
      }
      assert.ok(got instanceof VirError, `${name}: expected a VirError, got ${String(got)}`);
      assert.deepEqual({ code: got.code, domain: got.domain, message: got.message }, want);
    });
    continue;
  }
  Deno.test(`formatDomainXML() of the defined ${name} matches libvirt byte for byte`, () => {
    const def = define(xml);
    assert.equal(
      formatDomainXML(def, { id: -1, active: false, flags: 0 }),
      read(`${name}.out.xml`),
    );
    assert.equal(
      formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }),
      read(`${name}.secure.xml`),
    );
    assert.equal(
      formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_MIGRATABLE }),
      read(`${name}.migratable.xml`),
    );
  });
  const live = read(`${name}.live.xml`);
  if (live !== null) {
    Deno.test(`formatDomainXML() of the running ${name} matches libvirt byte for byte`, () => {
      const def = define(xml);
      const id = liveId(live);
      assert.equal(formatDomainXML(def, { id, active: true, flags: 0 }), live);
      // while it runs, the inactive XML is the persistent copy made at start
      assert.equal(
        formatDomainXML(copyDomainDef(def), {
          id: -1,
          active: false,
          flags: VIR_DOMAIN_XML_INACTIVE,
        }),
        read(`${name}.live-inactive.xml`),
      );
    });
  }
  // Workers hand definitions to each other as JSON: the copy formats as the original does.
  Deno.test(`${name}: a definition copied through JSON formats as libvirt's secure dump`, () => {
    const def = JSON.parse(JSON.stringify(define(xml))) as DomainDef;
    assert.equal(
      formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }),
      read(`${name}.secure.xml`),
    );
  });
  // copyDomainDef() is libvirt's virDomainDefCopy: it formats, then parses what it formatted.
  Deno.test(`${name}: copyDomainDef() gives what libvirt gives defining its secure dump again`, () => {
    assert.equal(
      formatDomainXML(copyDomainDef(define(xml)), {
        id: -1,
        active: false,
        flags: VIR_DOMAIN_XML_SECURE,
      }),
      read(`${name}.copy.xml`),
    );
  });
}

Deno.test("defaultTestDomain() is test:///default's running domain 'test'", () => {
  const def = defaultTestDomain();
  assert.equal(def.name, "test");
  assert.equal(def.uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
  assert.equal(def.memory, 8388608);
  assert.equal(def.currentMemory, 2097152);
  assert.equal(def.vcpus, 2);
  assert.equal(def.devices.interfaces[0]!.targetDev, "testnet0");
  assert.equal(
    formatDomainXML(def, { id: 1, active: true, flags: 0 }),
    read("default-test.live.xml"),
  );
  assert.equal(
    formatDomainXML(def, { id: 1, active: true, flags: VIR_DOMAIN_XML_INACTIVE }),
    read("default-test.live-inactive.xml"),
  );
  assert.equal(
    formatDomainXML(def, { id: 1, active: true, flags: VIR_DOMAIN_XML_SECURE }),
    read("default-test.live-secure.xml"),
  );
});

Deno.test("the definition exposes the fields the driver relies on", () => {
  const def = parseDomainXML(read("interfaces.xml")!);
  assert.equal(def.type, "test");
  assert.equal(def.name, "nics");
  assert.equal(def.title, null);
  assert.equal(def.description, null);
  assert.equal(def.metadata, null);
  assert.equal(def.os.type, "hvm");
  assert.equal(def.os.arch, "i686");
  assert.equal(def.os.machine, null);
  assert.equal(def.onPoweroff, "destroy");
  assert.equal(def.onReboot, "restart");
  assert.equal(def.onCrash, "destroy");
  const nic = def.devices.interfaces[0]!;
  assert.equal(nic.mac, "52:54:00:aa:bb:cc");
  assert.equal(nic.type, "network");
  assert.equal(nic.source.network, "default");
  assert.equal(nic.model, "virtio");
  // target names are the driver's business, not the parser's
  assert.equal(nic.targetDev, null);
  assert.equal(def.devices.interfaces[2]!.targetDev, null, "generated vnet names are dropped");
  assert.equal(def.devices.interfaces[1]!.targetDev, "mytap0");
});

Deno.test("parseDomainXML() generates a v4 UUID and 52:54:00 MACs when they are missing", () => {
  const xml =
    "<domain type='test'><name>gen</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>" +
    "<devices><interface type='user'/><interface type='user'/></devices></domain>";
  const a = parseDomainXML(xml);
  const b = parseDomainXML(xml);
  assert.match(a.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a.uuid, b.uuid);
  for (const n of a.devices.interfaces) assert.match(n.mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.match(generateUUID(), /^[0-9a-f-]{36}$/);
  assert.match(generateMAC(), /^52:54:00:/);
  assert.equal(a.memory, 65536);
});

Deno.test("assignTestIfnames() takes the lowest free testnetN", () => {
  const def = define(
    "<domain type='test'><name>n</name><memory>1024</memory><os><type>hvm</type></os><devices>" +
      "<interface type='user'/><interface type='user'><target dev='testnet0'/></interface>" +
      "<interface type='user'/></devices></domain>",
  );
  assert.deepEqual(def.devices.interfaces.map((n) => n.targetDev), [
    "testnet1",
    "testnet0",
    "testnet2",
  ]);
});

Deno.test("parseUUID() accepts libvirt's spellings and refuses the rest", () => {
  assert.equal(
    parseUUID("6695EB01F6A4830479AA97F2502E193F"),
    "6695eb01-f6a4-8304-79aa-97f2502e193f",
  );
  assert.equal(
    parseUUID(" 6695eb01-f6a4-8304-79aa-97f2502e193f\n"),
    "6695eb01-f6a4-8304-79aa-97f2502e193f",
  );
  assert.equal(parseUUID("6695eb01-f6a4-8304-79aa-97f2502e193"), null);
  assert.equal(parseUUID("zz95eb01-f6a4-8304-79aa-97f2502e193f"), null);
});

Deno.test("diskNameToIndex() follows libvirt's base-26 disk names", () => {
  assert.equal(diskNameToIndex("vda"), 0);
  assert.equal(diskNameToIndex("hdc"), 2);
  assert.equal(diskNameToIndex("sdz"), 25);
  assert.equal(diskNameToIndex("sdaa"), 26);
  assert.equal(diskNameToIndex("xvdb"), 1);
  assert.equal(diskNameToIndex("eth0"), -1);
});

Deno.test("VNC passwords appear only in secure dumps, migratable drops ps2 keyboards", () => {
  const def = parseDomainXML(
    "<domain type='test'><name>g</name><memory>1024</memory><os><type>hvm</type></os><devices>" +
      "<input type='keyboard' bus='ps2'/><graphics type='vnc' passwd='pw'/></devices></domain>",
  );
  assert.doesNotMatch(formatDomainXML(def, { id: -1, active: false, flags: 0 }), /passwd/);
  assert.match(
    formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_SECURE }),
    /passwd='pw'/,
  );
  const mig = formatDomainXML(def, { id: -1, active: false, flags: VIR_DOMAIN_XML_MIGRATABLE });
  assert.doesNotMatch(mig, /<input type='keyboard'/);
});
