import assert from "node:assert/strict";
import {
  remoteErrorNotSet,
  TEST_HV_VERSION,
  TEST_IS_ALIVE,
  TEST_IS_ENCRYPTED,
  TEST_IS_SECURE,
  TEST_LIB_VERSION,
  TEST_MAX_VCPUS,
  TEST_NODE_CPU_STATS_NPARAMS,
  TEST_NODE_INFO,
  TEST_SECURITY_MODEL,
  TEST_TYPE,
  testBaselineCPU,
  testCapabilitiesXML,
  testCellsFreeMemory,
  testCompareCPU,
  testCpuModelNames,
  testDomainCapabilitiesXML,
  testFreeMemory,
  testMaxVcpus,
  testNodeAllocPages,
  testNodeCPUStats,
  testNodeFreePages,
  testNodeGetCPUMap,
  testNodeMemoryStats,
  testSupportsFeature,
  testSupportsFeatureRemote,
  testSysinfoXML,
} from "../../src/drivers/test/host.ts";
import { VirError } from "../../src/rpc/error.ts";
import * as P from "../../src/protocol/remote_procedure_numbers.ts";
import { startDaemon } from "../server/_daemon.ts";
import { failure, openClient } from "./_driver.ts";

const DATA = new URL("../testdata/test_driver/", import.meta.url);
const read = (name: string) => Deno.readTextFileSync(new URL(name, DATA));
const readJson = (name: string) => JSON.parse(read(name));

interface ErrorVector {
  code: number;
  domain: number;
  message: string;
  str1: string | null;
  str2: string | null;
  int1: number;
  int2: number;
}

/** Runs `f`, which must throw the VirError libvirt raised (all fields libvirt sets). */
function assertLibvirtError(f: () => unknown, want: ErrorVector, label = ""): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof VirError, `${label}: expected a VirError, got ${thrown}`);
  assert.deepEqual(
    {
      code: thrown.code,
      domain: thrown.domain,
      message: thrown.message,
      str1: thrown.str1,
      str2: thrown.str2,
      int1: thrown.int1,
      int2: thrown.int2,
    },
    want,
    label,
  );
}

/** Code, domain and message only (for errors whose str fields we do not model). */
function assertErrorMessage(f: () => unknown, want: ErrorVector, label: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof VirError, `${label}: expected a VirError, got ${thrown}`);
  assert.deepEqual(
    { code: thrown.code, domain: thrown.domain, message: thrown.message },
    { code: want.code, domain: want.domain, message: want.message },
    label,
  );
}

const facts = readJson("host_facts.json");

Deno.test("testCapabilitiesXML() is libvirt's capabilities document byte for byte", () => {
  assert.equal(testCapabilitiesXML(), read("capabilities.xml"));
});

Deno.test("testSysinfoXML() is libvirt's sysinfo byte for byte and refuses flags", () => {
  assert.equal(testSysinfoXML(), read("sysinfo.xml"));
  assertLibvirtError(() => testSysinfoXML(1), facts.node.sysinfoFlags);
});

Deno.test("the fixed connection figures match the test driver", () => {
  assert.equal(TEST_TYPE, facts.type);
  assert.equal(TEST_HV_VERSION, facts.version);
  assert.equal(TEST_LIB_VERSION, facts.libVersion);
  for (const [type, n] of Object.entries(facts.maxVcpus)) {
    assert.equal(testMaxVcpus(type === "None" ? null : type), n);
  }
  assert.equal(TEST_MAX_VCPUS, 32);
  const ni = facts.nodeInfo;
  assert.deepEqual(
    { ...TEST_NODE_INFO, memory: TEST_NODE_INFO.memory / 1024 },
    {
      model: ni.model,
      memory: ni.memoryMiB,
      cpus: ni.cpus,
      mhz: ni.mhz,
      nodes: ni.nodes,
      sockets: ni.sockets,
      cores: ni.cores,
      threads: ni.threads,
    },
  );
  assert.deepEqual([TEST_SECURITY_MODEL.model, TEST_SECURITY_MODEL.doi], facts.securityModel);
  assert.deepEqual(
    [TEST_IS_SECURE, TEST_IS_ENCRYPTED, TEST_IS_ALIVE],
    [facts.isSecure, facts.isEncrypted, facts.isAlive],
  );
});

Deno.test("testSupportsFeature() answers as the driver does in process", () => {
  for (const [f, v] of Object.entries(facts.node.supportsFeature)) {
    assert.equal(testSupportsFeature(Number(f)), v, `feature ${f}`);
  }
  assert.deepEqual(
    Array.from({ length: 20 }, (_, i) => testSupportsFeatureRemote(i)).flatMap((v, i) =>
      v ? [i] : []
    ),
    [8, 9, 10, 14, 15, 16],
  );
});

/**
 * The calls regenerate.py made through libvirt-python for `facts.unsupported`,
 * as the remote procedure and arguments its client library sends.
 */
const UNSUPPORTED_CALLS: Record<string, [number, unknown]> = {
  virConnectGetDomainCapabilities: [P.REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, {
    emulatorbin: null,
    arch: null,
    machine: null,
    virttype: null,
    flags: 0,
  }],
  virConnectCompareCPU: [P.REMOTE_PROC_CONNECT_COMPARE_CPU, { xml: "<cpu/>", flags: 0 }],
  virConnectCompareHypervisorCPU: [P.REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU, {
    emulator: null,
    arch: null,
    machine: null,
    virttype: null,
    xmlCPU: "<cpu/>",
    flags: 0,
  }],
  virConnectBaselineHypervisorCPU: [P.REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU, {
    emulator: null,
    arch: null,
    machine: null,
    virttype: null,
    xmlCPUs: ["<cpu/>"],
    flags: 0,
  }],
  virConnectDomainXMLFromNative: [P.REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE, {
    nativeFormat: "x",
    nativeConfig: "y",
    flags: 0,
  }],
  virConnectDomainXMLToNative: [P.REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE, {
    nativeFormat: "x",
    domainXml: "<domain/>",
    flags: 0,
  }],
  // libvirt-python asks for the parameter count first (nparams 0).
  virNodeGetMemoryParameters: [P.REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS, { nparams: 0, flags: 0 }],
  virNodeSuspendForDuration: [P.REMOTE_PROC_NODE_SUSPEND_FOR_DURATION, {
    target: 0,
    duration: 60n,
    flags: 0,
  }],
  virNodeGetSEVInfo: [P.REMOTE_PROC_NODE_GET_SEV_INFO, { nparams: 0, flags: 0 }],
  virNodeAllocPages: [P.REMOTE_PROC_NODE_ALLOC_PAGES, {
    pageSizes: [4],
    pageCounts: [1n],
    startCell: 0,
    cellCount: 1,
    flags: 0,
  }],
  virNodeGetMemoryStats: [P.REMOTE_PROC_NODE_GET_MEMORY_STATS, {
    nparams: 0,
    cellNum: -1,
    flags: 0,
  }],
};

Deno.test("unsupported host calls fail over the wire with VIR_ERR_NO_SUPPORT as libvirt reports them", async () => {
  assert.deepEqual(Object.keys(UNSUPPORTED_CALLS).sort(), Object.keys(facts.unsupported).sort());
  const d = await startDaemon();
  const c = await openClient(d);
  try {
    for (const [api, [proc, args]] of Object.entries(UNSUPPORTED_CALLS)) {
      const got = await failure(c, proc, args);
      const want = (facts.unsupported as Record<string, { error: ErrorVector }>)[api]!.error;
      assert.deepEqual(
        {
          code: got.code,
          domain: got.domain,
          message: got.message,
          str1: got.str1,
          str2: got.str2,
          int1: got.int1,
          int2: got.int2,
        },
        want,
        api,
      );
    }
  } finally {
    c.close();
    await c.done;
    await d.stop();
  }
});

Deno.test("testDomainCapabilitiesXML() and testCompareCPU() refuse as libvirt's driver does", () => {
  const want = facts.unsupported;
  assertLibvirtError(
    () => testDomainCapabilitiesXML(null, "i686", null, "test", 0),
    want.virConnectGetDomainCapabilities.error,
  );
  assertLibvirtError(() => testCompareCPU("<cpu/>", 0), want.virConnectCompareCPU.error);
});

Deno.test("testNodeCPUStats() returns the fixed figures and libvirt's argument errors", () => {
  for (const row of facts.node.cpuStats) {
    const label = `cpuNum ${row.cpuNum} nparams ${row.nparams} flags ${row.flags}`;
    if (row.error) {
      assertLibvirtError(
        () => testNodeCPUStats(row.cpuNum, row.nparams, row.flags),
        row.error,
        label,
      );
      continue;
    }
    const got = testNodeCPUStats(row.cpuNum, row.nparams, row.flags);
    if (row.nparams === 0) {
      assert.equal(got.length, 0);
      assert.equal(TEST_NODE_CPU_STATS_NPARAMS, row.nparamsOut);
    } else {
      assert.deepEqual(got.map((p) => [p.field, String(p.value)]), row.params, label);
    }
  }
});

Deno.test("testNodeMemoryStats() checks libvirt's arguments then is unsupported", () => {
  for (const row of facts.node.memoryStats) {
    assertLibvirtError(
      () => testNodeMemoryStats(row.cellNum, row.nparams, row.flags),
      row.error,
      `cellNum ${row.cellNum}`,
    );
  }
});

Deno.test("testCellsFreeMemory() returns the cells' memory in KiB and libvirt's errors", () => {
  for (const row of facts.node.cellsFreeMemory) {
    const label = `start ${row.startCell} max ${row.maxCells}`;
    if (row.error) {
      assertLibvirtError(() => testCellsFreeMemory(row.startCell, row.maxCells), row.error, label);
    } else {
      assert.deepEqual(
        testCellsFreeMemory(row.startCell, row.maxCells).map(String),
        row.cells,
        label,
      );
    }
  }
  assert.deepEqual(testCellsFreeMemory(0, 8), [2097152n, 4194304n]);
});

Deno.test("testFreeMemory() is 3145728", () => {
  assert.equal(String(testFreeMemory()), facts.freeMemory);
});

Deno.test("testNodeGetCPUMap() reports 8 CPUs with 0, 2 and 4 online", () => {
  for (const row of facts.node.cpuMap) {
    if (row.error) {
      assertLibvirtError(() => testNodeGetCPUMap(row.flags), row.error);
    } else {
      const m = testNodeGetCPUMap(row.flags);
      assert.deepEqual([m.cpus, [...m.cpumap], m.online], [row.cpus, row.cpumap, row.online]);
    }
  }
});

Deno.test("testNodeFreePages() computes the driver's counts and returns 0", () => {
  for (const row of facts.node.freePages) {
    const label = `pages ${row.pages} cells ${row.cellCount} flags ${row.flags}`;
    if (row.error) {
      assertLibvirtError(
        () => testNodeFreePages(row.pages, row.startCell, row.cellCount, row.flags),
        row.error,
        label,
      );
    } else {
      const r = testNodeFreePages(row.pages, row.startCell, row.cellCount, row.flags);
      assert.equal(r.ret, row.ret, label);
      assert.deepEqual(r.counts.map(String), row.counts, label);
    }
  }
  const e = remoteErrorNotSet().toRemote();
  assert.deepEqual(
    [e.code, e.domain, e.message, e.level, e.str1, e.str2, e.str3, e.int1, e.int2],
    [1, 7, "Library function returned error but did not set virError", 2, null, null, null, 0, 0],
  );
});

Deno.test("testNodeAllocPages() checks libvirt's arguments then is unsupported", () => {
  for (const row of facts.node.allocPages) {
    assertLibvirtError(
      () => testNodeAllocPages(row.pages, [1n], 0, row.cellCount),
      row.error,
      `pages ${row.pages} cells ${row.cellCount}`,
    );
  }
});

Deno.test("testCpuModelNames() lists libvirt's CPU map models and its errors per architecture", () => {
  const vectors = readJson("cpu_models.json") as Record<
    string,
    { ok?: string[]; error?: ErrorVector }
  >;
  for (const [key, want] of Object.entries(vectors)) {
    const [arch, flags] = key === "x86_64 with flags" ? ["x86_64", 1] : [key, 0];
    if (want.error) assertLibvirtError(() => testCpuModelNames(arch, flags), want.error, key);
    else assert.deepEqual(testCpuModelNames(arch, flags), want.ok, key);
  }
});

interface BaselineCase {
  name: string;
  xmls: string[];
  flags: number;
  ok?: string;
  error?: ErrorVector;
}

Deno.test("testBaselineCPU() matches libvirt on every baseline vector", () => {
  const cases = readJson("baseline.json") as BaselineCase[];
  const failures: string[] = [];
  for (const c of cases) {
    try {
      if (c.error) {
        if (c.error.code === 35) assertErrorMessageCode(c);
        else assertLibvirtError(() => testBaselineCPU(c.xmls, c.flags), c.error, c.name);
      } else {
        assert.equal(testBaselineCPU(c.xmls, c.flags), c.ok, c.name);
      }
    } catch (e) {
      failures.push(`${c.name}: ${(e as Error).message.split("\n").slice(0, 12).join("\n")}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases differ`);
});

/** Malformed XML whose libxml2 wording is only approximated (code and domain are exact). */
const APPROXIMATE_XML_ERRORS = new Set(["tag mismatch"]);

function assertErrorMessageCode(c: BaselineCase): void {
  let thrown: unknown;
  try {
    testBaselineCPU(c.xmls, c.flags);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof VirError, c.name);
  assert.deepEqual([thrown.code, thrown.domain, thrown.str1], [
    c.error!.code,
    c.error!.domain,
    "%s",
  ]);
  if (APPROXIMATE_XML_ERRORS.has(c.name)) assert.match(thrown.message, /^\(CPU_definition\):3: /);
  else assert.equal(thrown.message, c.error!.message, c.name);
}

Deno.test("testBaselineCPU() refuses an empty list as libvirt's NULL check", () => {
  assertLibvirtError(() => testBaselineCPU([], 0), {
    code: 8,
    domain: 20,
    message: "xmlCPUs in virConnectBaselineCPU must not be NULL",
    str1: "virConnectBaselineCPU",
    str2: "xmlCPUs",
    int1: 0,
    int2: 0,
  });
  assertErrorMessage(() => testBaselineCPU([""], 0), {
    code: 35,
    domain: 31,
    message: "(CPU_definition):1: Document is empty\n(null)\n^",
    str1: "%s",
    str2: null,
    int1: -1,
    int2: -1,
  }, "empty document");
});
