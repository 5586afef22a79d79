/**
 * The status file of a running domain: its live definition and what the
 * daemon needs to take the QEMU process back after a restart.
 *
 * @module
 */

import { formatDomainXML, VIR_DOMAIN_XML_SECURE } from "../../conf/domain_xml.ts";
import { writeStatus } from "./files.ts";
import type { QemuDomainEntry, QemuDomainObj } from "./state.ts";

/** Rewrites a running domain's status file (call with its object lock held, no instance lock). */
export function saveStatus(stateDir: string, e: QemuDomainEntry, o: QemuDomainObj): void {
  writeStatus(stateDir, {
    uuid: e.uuid,
    name: e.name,
    id: o.id,
    pid: o.pid,
    monitor: o.monitor,
    xml: formatDomainXML(o.def, { id: o.id, active: true, flags: VIR_DOMAIN_XML_SECURE }),
    persistent: o.persistent,
    ...(o.diskNodes ? { diskNodes: o.diskNodes } : {}),
    ...(o.nextDiskNode !== undefined ? { nextDiskNode: o.nextDiskNode } : {}),
  });
}
