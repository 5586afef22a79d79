/**
 * How often the guest's balloon driver reports memory statistics (virsh
 * dommemstat --period): virDomainSetMemoryStatsPeriod sets the balloon
 * device's guest-stats-polling-interval QOM property while running and the
 * memballoon's <stats period> in the definition, which a start applies
 * (libvirt's qemuProcessSetupBalloon).
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import { VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU } from "../../rpc/error_codes.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { on } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./status.ts";
import { setPollingInterval } from "./balloon_polling.ts";

/** The balloon device of a definition, or libvirt's refusal without one. */
function balloonOf(def: DomainDef): NonNullable<DomainDef["devices"]["memballoon"]> {
  const b = def.devices.memballoon;
  if (!b || b.model === "none") {
    throw VirError.of(
      VIR_ERR_OPERATION_INVALID,
      VIR_FROM_QEMU,
      "No memory balloon device configured, can not set the collection period",
    );
  }
  return b;
}

export const balloonPeriodHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD, (c, a) => {
    checkFlags(
      "qemuDomainSetMemoryStatsPeriod",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    const { configDir, stateDir } = c.dir((d) => ({
      configDir: d.configDir,
      stateDir: d.stateDir,
    }));
    c.job(a.dom, "remoteDispatchDomainSetMemoryStatsPeriod", (entry) => {
      const o = c.withObj(entry, (x) => x);
      const { live, config } = affectedDefs(a.flags, o);
      if (live) {
        balloonOf(o.def);
        setPollingInterval(c, entry.uuid, o.def, a.period);
        c.withObj(entry, (x, save) => {
          balloonOf(x.def).statsPeriod = a.period;
          save();
          saveStatus(stateDir, entry, x);
        });
      }
      if (config) {
        c.withObj(entry, (x, save) => {
          const def = x.newDef ?? x.def;
          balloonOf(def).statsPeriod = a.period;
          writeDurable(configPath(configDir, def.name), configXML(def));
          save();
        });
      }
    });
  }),
];
