/**
 * The test driver's connection- and node-level procedures: type, version,
 * hostname, URI, capabilities, node info and memory, as libvirt 9.0's test
 * driver answers them.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import {
  remoteErrorNotSet,
  TEST_HV_VERSION,
  TEST_NODE_INFO,
  testBaselineCPU,
  testCapabilitiesXML,
  testCellsFreeMemory,
  testCompareCPU,
  testCpuModelNames,
  testDomainCapabilitiesXML,
  testFreeMemory,
  testHostname,
  testMaxVcpus,
  testNodeAllocPages,
  testNodeCPUStats,
  testNodeFreePages,
  testNodeGetCPUMap,
  testNodeMemoryStats,
  testSysinfoXML,
} from "./host.ts";
import { on } from "./conn.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC } from "../../rpc/error_codes.ts";
import { REMOTE_NODE_CPU_STATS_MAX, REMOTE_NODE_MAX_CELLS } from "../../protocol/remote_types.ts";

/** A C string as rpcgen's `char x[n]` carries it: one char per int, NUL-padded. */
export function charsFixed(s: string, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < Math.min(s.length, n - 1); i++) out[i] = s.charCodeAt(i);
  return out;
}

export const connectHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_CONNECT_GET_TYPE, () => ({ type: "TEST" })),
  on(P.REMOTE_PROC_CONNECT_GET_VERSION, () => ({ hv_ver: BigInt(TEST_HV_VERSION) })),
  on(P.REMOTE_PROC_CONNECT_GET_HOSTNAME, () => ({ hostname: testHostname() })),
  on(P.REMOTE_PROC_CONNECT_GET_URI, (c) => ({ uri: c.dir((d) => d.uri) })),
  on(P.REMOTE_PROC_CONNECT_GET_MAX_VCPUS, (_c, a) => ({ max_vcpus: testMaxVcpus(a.type) })),
  on(P.REMOTE_PROC_CONNECT_IS_SECURE, () => ({ secure: 1 })),
  on(P.REMOTE_PROC_CONNECT_GET_CAPABILITIES, () => ({ capabilities: testCapabilitiesXML() })),
  on(P.REMOTE_PROC_CONNECT_GET_SYSINFO, (_c, a) => ({ sysinfo: testSysinfoXML(a.flags) })),
  on(P.REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES, (_c, a) => {
    const models = testCpuModelNames(a.arch, a.flags);
    return { models: a.need_results ? models : [], ret: models.length };
  }),
  on(P.REMOTE_PROC_CONNECT_BASELINE_CPU, (_c, a) => ({
    cpu: testBaselineCPU(a.xmlCPUs, a.flags),
  })),
  on(P.REMOTE_PROC_CONNECT_COMPARE_CPU, (_c, a) => ({
    result: testCompareCPU(a.xml, a.flags),
  })),
  on(P.REMOTE_PROC_NODE_GET_CPU_MAP, (_c, a) => {
    const m = testNodeGetCPUMap(a.flags);
    return {
      cpumap: a.need_map ? m.cpumap : new Uint8Array(),
      online: a.need_online ? m.online : 0,
      ret: m.cpus,
    };
  }),
  on(P.REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, (_c, a) => ({
    capabilities: testDomainCapabilitiesXML(a.emulatorbin, a.arch, a.machine, a.virttype, a.flags),
  })),
  on(P.REMOTE_PROC_NODE_GET_INFO, () => ({
    model: charsFixed(TEST_NODE_INFO.model, 32),
    memory: BigInt(TEST_NODE_INFO.memory),
    cpus: TEST_NODE_INFO.cpus,
    mhz: TEST_NODE_INFO.mhz,
    nodes: TEST_NODE_INFO.nodes,
    sockets: TEST_NODE_INFO.sockets,
    cores: TEST_NODE_INFO.cores,
    threads: TEST_NODE_INFO.threads,
  })),
  on(P.REMOTE_PROC_NODE_GET_FREE_MEMORY, () => ({ freeMem: testFreeMemory() })),
  on(P.REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY, (_c, a) => {
    if (a.maxcells > REMOTE_NODE_MAX_CELLS) throw VirError.rpc("maxcells > REMOTE_NODE_MAX_CELLS");
    return { cells: testCellsFreeMemory(a.startCell, a.maxcells) };
  }),
  on(P.REMOTE_PROC_NODE_GET_CPU_STATS, (_c, a) => {
    // libvirtd's own checks, then the two-phase typed-parameter pattern.
    if (a.nparams < 0) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_RPC,
        "nparams must be non-negative",
      );
    }
    if (a.nparams > REMOTE_NODE_CPU_STATS_MAX) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_RPC,
        "nparams too large",
      );
    }
    const stats = testNodeCPUStats(a.cpuNum, a.nparams, a.flags);
    return a.nparams === 0 ? { params: [], nparams: 4 } : { params: stats, nparams: 0 };
  }),
  on(P.REMOTE_PROC_NODE_GET_MEMORY_STATS, (_c, a) => {
    testNodeMemoryStats(a.cellNum, a.nparams, a.flags);
    return { params: [], nparams: 0 };
  }),
  on(P.REMOTE_PROC_NODE_GET_FREE_PAGES, (_c, a) => {
    if (a.pages.length * a.cellCount > REMOTE_NODE_MAX_CELLS) {
      throw VirError.of(
        VIR_ERR_INTERNAL_ERROR,
        VIR_FROM_RPC,
        "the result won't fit into REMOTE_NODE_MAX_CELLS",
      );
    }
    // The test driver fills the counts but returns 0 pages, which the
    // dispatcher takes for a failure that set no error.
    testNodeFreePages(a.pages, a.startCell, a.cellCount, a.flags);
    throw remoteErrorNotSet();
  }),
  on(P.REMOTE_PROC_NODE_ALLOC_PAGES, (
    _c,
    a,
  ) => ({
    ret: testNodeAllocPages(a.pageSizes, a.pageCounts, a.startCell, a.cellCount, a.flags),
  })),
];
