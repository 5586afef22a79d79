/**
 * The balloon driver's statistics polling interval of a running domain:
 * QEMU's guest-stats-polling-interval property of the balloon device, set
 * by virsh dommemstat --period (balloon_period.ts) and, from the
 * memballoon's <stats period>, when the domain starts.
 *
 * @module
 */

import type { DomainDef } from "../../conf/domain_xml.ts";
import type { QemuConn } from "./conn.ts";

/** qom-set of the balloon's polling interval (qemuMonitorJSONSetMemoryStatsPeriod). */
export function setPollingInterval(
  c: QemuConn,
  uuid: string,
  def: DomainDef,
  period: number,
): void {
  const alias = def.devices.memballoon?.info.alias ?? "balloon0";
  c.io("qemu.qmp", {
    uuid,
    cmd: "qom-set",
    args: {
      path: `/machine/peripheral/${alias}`,
      property: "guest-stats-polling-interval",
      value: period,
    },
  });
}

/** A starting domain's balloon statistics period, when its definition sets one. */
export function applyBalloonPeriodAtStart(c: QemuConn, def: DomainDef): void {
  const b = def.devices.memballoon;
  if (b?.model !== "virtio" || !b.statsPeriod) return;
  setPollingInterval(c, def.uuid, def, b.statsPeriod);
}
