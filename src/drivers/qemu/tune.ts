/**
 * Changes to a domain's definition short of editing its XML: maximum memory
 * (virsh setmaxmem), vCPU counts (virsh setvcpus --config) and the name
 * (virsh domrename). They apply to the persistent definition; what QEMU would
 * have to change while running (memory or vCPU hotplug) is refused, as
 * libvirt refuses what the guest's machine cannot do.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { RemoteDomain } from "../../protocol/remote_types.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_FROM_QEMU,
} from "../../rpc/error_codes.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { on, type QemuConn } from "./conn.ts";
import { renameSnapshotMetadata } from "./snapshot_files.ts";
import { autostartPath, configPath, removeDurable, setAutostart, writeDurable } from "./files.ts";
import {
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_UNDEFINED,
  VIR_DOMAIN_VCPU_GUEST,
  VIR_DOMAIN_VCPU_HOTPLUGGABLE,
  VIR_DOMAIN_VCPU_MAXIMUM,
} from "../domain_constants.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { agentUnavailable } from "./guest_agent.ts";

/** Changes the persistent definition and writes it to disk. */
function editConfig(
  c: QemuConn,
  ref: RemoteDomain,
  owner: string,
  flags: number,
  edit: (def: DomainDef) => void,
  live?: () => never,
): void {
  const configDir = c.dir((d) => d.configDir);
  c.job(ref, owner, (entry) => {
    c.withObj(entry, (o, save) => {
      const { live: l, config } = affectedDefs(flags, o);
      if (l) live?.();
      if (config) {
        const def = o.newDef ?? o.def;
        edit(def);
        writeDurable(configPath(configDir, def.name), configXML(def));
        save();
      }
    });
  });
}

export function setMaxMemory(c: QemuConn, ref: RemoteDomain, kib: bigint, flags: number): void {
  if (kib <= 0n) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      "memory must be positive",
    );
  }
  editConfig(c, ref, "remoteDispatchDomainSetMemoryFlags", flags, (def) => {
    def.memory = Number(kib);
    if (def.currentMemory > def.memory) def.currentMemory = def.memory;
  }, () => {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "cannot resize the maximum memory on an active domain",
    );
  });
}

function setVcpus(c: QemuConn, ref: RemoteDomain, n: number, flags: number): void {
  checkFlags(
    "qemuDomainSetVcpusFlags",
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM |
      VIR_DOMAIN_VCPU_GUEST | VIR_DOMAIN_VCPU_HOTPLUGGABLE,
  );
  // denovirt never connects to a guest agent (see guest_agent.ts).
  if (flags & VIR_DOMAIN_VCPU_GUEST) throw c.withObj(c.entry(ref), agentUnavailable);
  if (n < 1) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      "requested vcpus is greater than max allowable vcpus for the live domain: 0",
    );
  }
  editConfig(c, ref, "remoteDispatchDomainSetVcpusFlags", flags, (def) => {
    if (flags & VIR_DOMAIN_VCPU_MAXIMUM) {
      def.vcpus = n;
      if (def.vcpusCurrent > n) def.vcpusCurrent = n;
    } else {
      if (n > def.vcpus) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_QEMU,
          `requested vcpus is greater than max allowable vcpus for the persistent domain: ${n} > ${def.vcpus}`,
        );
      }
      def.vcpusCurrent = n;
    }
  }, () => {
    throw VirError.of(
      VIR_ERR_OPERATION_UNSUPPORTED,
      VIR_FROM_QEMU,
      "vCPU hotplug is not supported by this driver",
    );
  });
}

function rename(c: QemuConn, ref: RemoteDomain, newName: string | null, flags: number): void {
  checkFlags("qemuDomainRename", flags, 0);
  if (!newName || newName.includes("/")) {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_QEMU,
      `new domain name '${newName ?? ""}' is not valid`,
    );
  }
  const configDir = c.dir((d) => d.configDir);
  c.job(ref, "remoteDispatchDomainRename", (entry) => {
    c.dir((d, save) => {
      if (d.domains.some((e) => e.name === newName)) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_QEMU,
          `domain with name '${newName}' already exists`,
        );
      }
      const e = d.domains.find((x) => x.handle === entry.handle)!;
      c.withObj(entry, (o, saveObj) => {
        if (o.pid !== 0) {
          throw VirError.of(
            VIR_ERR_OPERATION_INVALID,
            VIR_FROM_QEMU,
            "cannot rename active domain",
          );
        }
        if (!o.persistent) {
          throw VirError.of(
            VIR_ERR_OPERATION_INVALID,
            VIR_FROM_QEMU,
            "cannot rename a transient domain",
          );
        }
        const old = o.def.name;
        o.def.name = newName;
        writeDurable(configPath(configDir, newName), configXML(o.def));
        removeDurable(configPath(configDir, old));
        // Snapshot metadata is filed under the domain's name.
        renameSnapshotMetadata(configDir, old, newName);
        if (o.autostart) {
          removeDurable(autostartPath(configDir, old));
          setAutostart(configDir, newName, true);
        }
        saveObj();
      });
      const old = e.name;
      e.name = newName;
      save();
      // libvirt's qemuDomainRename: the old name goes, the new one comes (detail renamed).
      c.lifecycle({ name: old, uuid: e.uuid, id: -1 }, VIR_DOMAIN_EVENT_UNDEFINED, 1);
      c.lifecycle({ name: newName, uuid: e.uuid, id: -1 }, VIR_DOMAIN_EVENT_DEFINED, 2);
    });
  });
}

export const tuneHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, (c, a) => setMaxMemory(c, a.dom, a.memory, 0)),
  on(P.REMOTE_PROC_DOMAIN_SET_VCPUS, (c, a) => setVcpus(c, a.dom, a.nvcpus, 0)),
  on(P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, (c, a) => setVcpus(c, a.dom, a.nvcpus, a.flags)),
  on(P.REMOTE_PROC_DOMAIN_RENAME, (c, a) => {
    rename(c, a.dom, a.new_name, a.flags);
    return { retcode: 0 };
  }),
];
