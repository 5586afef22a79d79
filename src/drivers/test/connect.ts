// The test driver's connection- and node-level procedures: type, version,
// hostname, URI, capabilities, node info and memory, as libvirt 9.0's test
// driver answers them.

import type { Handler } from "../../dispatch/context.ts";
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
import { TestConn } from "./conn.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC } from "../../rpc/error_codes.ts";
import { REMOTE_NODE_CPU_STATS_MAX, REMOTE_NODE_MAX_CELLS } from "../../protocol/remote_types.ts";

/** A C string as rpcgen's `char x[n]` carries it: one char per int, NUL-padded. */
export function charsFixed(s: string, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < Math.min(s.length, n - 1); i++) out[i] = s.charCodeAt(i);
  return out;
}

export const connectHandlers: [number, Handler][] = [
  [P.REMOTE_PROC_CONNECT_GET_TYPE, () => ({ type: "TEST" })],
  [P.REMOTE_PROC_CONNECT_GET_VERSION, () => ({ hv_ver: BigInt(TEST_HV_VERSION) })],
  [P.REMOTE_PROC_CONNECT_GET_HOSTNAME, () => ({ hostname: testHostname() })],
  [P.REMOTE_PROC_CONNECT_GET_URI, (ctx) => ({ uri: new TestConn(ctx).dir((d) => d.uri) })],
  [
    P.REMOTE_PROC_CONNECT_GET_MAX_VCPUS,
    (_ctx, a: { type: string | null }) => ({ max_vcpus: testMaxVcpus(a.type) }),
  ],
  [P.REMOTE_PROC_CONNECT_IS_SECURE, () => ({ secure: 1 })],
  [P.REMOTE_PROC_CONNECT_GET_CAPABILITIES, () => ({ capabilities: testCapabilitiesXML() })],
  [
    P.REMOTE_PROC_CONNECT_GET_SYSINFO,
    (_ctx, a: { flags: number }) => ({ sysinfo: testSysinfoXML(a.flags) }),
  ],
  [
    P.REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES,
    (_ctx, a: { arch: string; need_results: number; flags: number }) => {
      const models = testCpuModelNames(a.arch, a.flags);
      return { models: a.need_results ? models : [], ret: models.length };
    },
  ],
  [P.REMOTE_PROC_CONNECT_BASELINE_CPU, (_ctx, a: { xmlCPUs: string[]; flags: number }) => ({
    cpu: testBaselineCPU(a.xmlCPUs, a.flags),
  })],
  [P.REMOTE_PROC_CONNECT_COMPARE_CPU, (_ctx, a: { xml: string; flags: number }) => ({
    result: testCompareCPU(a.xml, a.flags),
  })],
  [
    P.REMOTE_PROC_NODE_GET_CPU_MAP,
    (_ctx, a: { need_map: number; need_online: number; flags: number }) => {
      const m = testNodeGetCPUMap(a.flags);
      return {
        cpumap: a.need_map ? m.cpumap : new Uint8Array(),
        online: a.need_online ? m.online : 0,
        ret: m.cpus,
      };
    },
  ],
  [P.REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, (_ctx, a: {
    emulatorbin: string | null;
    arch: string | null;
    machine: string | null;
    virttype: string | null;
    flags: number;
  }) => ({
    capabilities: testDomainCapabilitiesXML(a.emulatorbin, a.arch, a.machine, a.virttype, a.flags),
  })],
  [P.REMOTE_PROC_NODE_GET_INFO, () => ({
    model: charsFixed(TEST_NODE_INFO.model, 32),
    memory: BigInt(TEST_NODE_INFO.memory),
    cpus: TEST_NODE_INFO.cpus,
    mhz: TEST_NODE_INFO.mhz,
    nodes: TEST_NODE_INFO.nodes,
    sockets: TEST_NODE_INFO.sockets,
    cores: TEST_NODE_INFO.cores,
    threads: TEST_NODE_INFO.threads,
  })],
  [P.REMOTE_PROC_NODE_GET_FREE_MEMORY, () => ({ freeMem: testFreeMemory() })],
  [P.REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY, (_ctx, a: { startCell: number; maxcells: number }) => {
    if (a.maxcells > REMOTE_NODE_MAX_CELLS) throw VirError.rpc("maxcells > REMOTE_NODE_MAX_CELLS");
    return { cells: testCellsFreeMemory(a.startCell, a.maxcells) };
  }],
  [
    P.REMOTE_PROC_NODE_GET_CPU_STATS,
    (_ctx, a: { cpuNum: number; nparams: number; flags: number }) => {
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
    },
  ],
  [
    P.REMOTE_PROC_NODE_GET_MEMORY_STATS,
    (_ctx, a: { nparams: number; cellNum: number; flags: number }) => {
      testNodeMemoryStats(a.cellNum, a.nparams, a.flags);
      return { params: [], nparams: 0 };
    },
  ],
  [
    P.REMOTE_PROC_NODE_GET_FREE_PAGES,
    (_ctx, a: { pages: number[]; startCell: number; cellCount: number; flags: number }) => {
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
    },
  ],
  [
    P.REMOTE_PROC_NODE_ALLOC_PAGES,
    (
      _ctx,
      a: {
        pageSizes: number[];
        pageCounts: bigint[];
        startCell: number;
        cellCount: number;
        flags: number;
      },
    ) => ({
      ret: testNodeAllocPages(a.pageSizes, a.pageCounts, a.startCell, a.cellCount, a.flags),
    }),
  ],
];
