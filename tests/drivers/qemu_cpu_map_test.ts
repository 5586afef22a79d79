// libvirt's x86 CPU map as the QEMU driver reads it (src/drivers/qemu/cpu_map.ts)
// and the decoding of a CPU into a model with features, on a small map of
// our own (so the choices are known) and on the map libvirt installs.

import assert from "node:assert/strict";
import {
  CPU_MAP_DIR,
  type CpuBits,
  decodeGuestCpu,
  featureFromQemu,
  featureToQemu,
  type X86Map,
  x86Map,
} from "../../src/drivers/qemu/cpu_map.ts";

const FEATURES = ["fpu", "vme", "de", "pse", "tsc", "msr"];

async function tinyMap(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cpu-map-" });
  const w = (f: string, s: string) => Deno.writeTextFile(`${dir}/${f}`, s);
  await w(
    "index.xml",
    `<cpus><arch name='x86'><include filename='x86_vendors.xml'/>
<include filename='x86_features.xml'/><include filename='x86_models.xml'/></arch></cpus>`,
  );
  await w(
    "x86_vendors.xml",
    `<cpus><vendor name='Intel' string='GenuineIntel'/><vendor name='AMD' string='AuthenticAMD'/></cpus>`,
  );
  await w(
    "x86_features.xml",
    "<cpus>" +
      FEATURES.map((f, i) =>
        `<feature name='${f}'${f === "tsc" ? " migratable='no'" : ""}>` +
        (f === "de" ? "<alias name='d-e' source='qemu'/>" : "") +
        `<cpuid eax_in='0x01' edx='0x${(1 << i).toString(16).padStart(8, "0")}'/></feature>`
      ).join("") +
      "<feature name='arch-x'><msr index='0x10a' edx='0x00000000' eax='0x00000001'/></feature></cpus>",
  );
  await w(
    "x86_models.xml",
    `<cpus>
<model name='old'><decode host='on' guest='on'/><feature name='fpu'/></model>
<model name='mid'><decode host='on' guest='on'/><signature family='6' model='15'/><vendor name='Intel'/>
  <feature name='fpu'/><feature name='vme'/><feature name='msr'/><feature name='de' removed='yes'/></model>
<model name='amd'><decode host='on' guest='on'/><vendor name='AMD'/><feature name='fpu'/><feature name='vme'/><feature name='de'/></model>
<model name='hidden'><decode host='on' guest='off'/><feature name='fpu'/><feature name='vme'/><feature name='de'/></model>
</cpus>`,
  );
  return dir;
}

function bits(map: X86Map, names: string[]): CpuBits {
  const out: CpuBits = new Map();
  for (const n of names) {
    for (const [k, v] of map.featureByName.get(n)!.bits) out.set(k, (out.get(k) ?? 0) | v);
  }
  return out;
}

const all = (names: string[]) => new Map(names.map((n) => [n, [] as string[]]));

Deno.test("cpu map: features, aliases, models with removed features left out", async () => {
  const dir = await tinyMap();
  const map = x86Map(dir);
  assert.deepEqual(map.features.map((f) => f.name), [...FEATURES, "arch-x"]);
  assert.equal(map.featureByName.get("tsc")!.migratable, false);
  assert.deepEqual([...map.featureByName.get("arch-x")!.bits], [["msr:266:eax", 1]]);
  assert.deepEqual(map.modelByName.get("mid")!.features, ["fpu", "vme", "msr"]);
  assert.deepEqual(map.modelByName.get("mid")!.removed, ["de"]);
  assert.equal(featureFromQemu(map, "d-e")?.name, "de");
  assert.equal(featureFromQemu(map, "no-such"), null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cpu map: decoding picks the matching signature, else the shortest list", async () => {
  const dir = await tinyMap();
  const map = x86Map(dir);
  const cpu = { bits: bits(map, ["fpu", "vme", "de", "pse"]), vendor: "GenuineIntel", stepping: 1 };
  // Family 6 model 15 is "mid"'s: it wins over "old" (as many changes); "amd" is another
  // vendor's, "hidden" is not for guests.
  const sig = decodeGuestCpu(
    map,
    { ...cpu, family: 6, model: 15 },
    all(["old", "mid", "amd", "hidden"]),
  );
  assert.deepEqual(sig, {
    model: "mid",
    vendor: "Intel",
    features: [
      { name: "de", policy: "require" },
      { name: "pse", policy: "require" },
      { name: "msr", policy: "disable" },
    ],
  });
  // No model of that signature: the shortest list of features ("old" as it is, not "mid"
  // with vme and msr disabled); with the signature, "mid" all the same.
  const fpu = { ...cpu, bits: bits(map, ["fpu"]) };
  const nosig = decodeGuestCpu(map, { ...fpu, family: 6, model: 1 }, all(["old", "mid", "amd"]));
  assert.deepEqual(nosig, { model: "old", vendor: "Intel", features: [] });
  const withSig = decodeGuestCpu(map, { ...fpu, family: 6, model: 15 }, all(["old", "mid"]));
  assert.deepEqual(withSig.model, "mid");
  // The feature "mid" lists as removed is disabled after the others when the CPU lacks it.
  assert.deepEqual(withSig.features.map((f) => `${f.name}:${f.policy}`), [
    "vme:disable",
    "msr:disable",
    "de:disable",
  ]);
  // A preferred model wins over the signature; `migratable` drops unmigratable features.
  const pref = decodeGuestCpu(
    map,
    { ...cpu, bits: bits(map, ["fpu", "tsc"]), family: 6, model: 15 },
    all(["old", "mid"]),
    { preferred: "old", migratable: true },
  );
  assert.deepEqual(pref, { model: "old", vendor: "Intel", features: [] });
  // A host CPU takes a model it has all of ("mid" lacks msr here), and models marked for host
  // decoding only count: "hidden" (guest='off') describes it exactly.
  const host = decodeGuestCpu(
    map,
    { ...cpu, bits: bits(map, ["fpu", "vme", "de"]), family: 6, model: 15 },
    null,
    { host: true },
  );
  assert.deepEqual(host, { model: "hidden", vendor: "Intel", features: [] });
  const hostPse = decodeGuestCpu(
    map,
    { ...cpu, bits: bits(map, ["fpu", "vme", "pse"]), family: 6, model: 15 },
    null,
    { host: true },
  );
  assert.deepEqual(hostPse, {
    model: "old",
    vendor: "Intel",
    features: [{ name: "vme", policy: "require" }, { name: "pse", policy: "require" }],
  });
  // A model the hypervisor does not have is never chosen.
  const only = decodeGuestCpu(map, { ...fpu, family: 6, model: 1 }, all(["mid"]));
  assert.equal(only.model, "mid");
  // A blocker of the hypervisor's model is disabled explicitly.
  const blocked = decodeGuestCpu(
    map,
    { bits: bits(map, ["fpu"]), vendor: "AuthenticAMD", family: 23, model: 1, stepping: 1 },
    new Map([["amd", ["tsc"]]]),
  );
  assert.deepEqual(blocked, {
    model: "amd",
    vendor: "AMD",
    features: [
      { name: "vme", policy: "disable" },
      { name: "de", policy: "disable" },
      { name: "tsc", policy: "disable" },
    ],
  });
  assert.throws(
    () => decodeGuestCpu(map, { ...cpu, family: 6, model: 1 }, all(["hidden"])),
    /Cannot find suitable CPU model for given data/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "cpu map: libvirt's installed map and QEMU's spellings",
  ignore: (() => {
    try {
      Deno.statSync(`${CPU_MAP_DIR}/index.xml`);
      return false;
    } catch {
      return true;
    }
  })(),
}, () => {
  const map = x86Map();
  // The models `virsh cpu-models x86_64` lists start as index.xml includes them.
  assert.deepEqual(map.models.slice(0, 5).map((m) => m.name), [
    "486",
    "pentium",
    "pentium2",
    "pentium3",
    "pentiumpro",
  ]);
  assert.equal(map.modelByName.get("EPYC")!.vendor, "AMD");
  assert.ok(!map.modelByName.get("EPYC")!.features.includes("monitor"));
  assert.equal(featureToQemu("pclmuldq"), "pclmulqdq");
  assert.equal(featureToQemu("fxsr_opt"), "fxsr-opt");
  assert.equal(featureToQemu("sse4.1"), "sse4.1");
  assert.equal(featureFromQemu(map, "pclmulqdq")?.name, "pclmuldq");
  assert.equal(featureFromQemu(map, "sse4_1")?.name, "sse4.1");
});
