/**
 * virsh set-lifecycle-action on the QEMU driver (virDomainSetLifecycleAction):
 * on_poweroff, on_reboot or on_crash changed in the running domain, its
 * persistent definition, or both, as libvirt 9.0 does — QEMU's reboot
 * action follows a live on_reboot change (set-action), and the combinations
 * the QEMU driver cannot carry out are refused as they are at define.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import {
  allowedLifecycleAction,
  checkLifecycleArgs,
  setLifecycleAction,
} from "../lifecycle_action.ts";
import { on } from "./conn.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";
import { validateLifecycleActions } from "./domain_defaults.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./hotplug.ts";

/** VIR_DOMAIN_LIFECYCLE_REBOOT. */
const REBOOT = 1;

/** The definition as it would be with the change (for the QEMU driver's checks). */
function withAction(def: DomainDef, type: number, action: string): DomainDef {
  const next = { ...def };
  setLifecycleAction(next, type, action);
  return next;
}

export const lifecycleActionHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION, (c, a) => {
    checkLifecycleArgs(a.type, a.action);
    checkFlags(
      "qemuDomainSetLifecycleAction",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    const action = allowedLifecycleAction(a.type, a.action);
    const { configDir, stateDir } = c.dir((d) => ({
      configDir: d.configDir,
      stateDir: d.stateDir,
    }));
    c.job(a.dom, "remoteDispatchDomainSetLifecycleAction", (entry) => {
      const { live, config, uuid } = c.withObj(entry, (o) => ({
        ...affectedDefs(a.flags, o),
        uuid: entry.uuid,
      }));
      c.withObj(entry, (o) => {
        if (live) validateLifecycleActions(withAction(o.def, a.type, action));
        if (config) validateLifecycleActions(withAction(o.newDef ?? o.def, a.type, action));
      });
      const rebootChanges = live &&
        c.withObj(entry, (o) => a.type === REBOOT && o.def.onReboot !== action);
      // A guest reset ends the domain when on_reboot is destroy (libvirt's set-action).
      if (rebootChanges) {
        c.io("qemu.qmp", {
          uuid,
          cmd: "set-action",
          args: { reboot: action === "destroy" ? "shutdown" : "reset" },
        });
      }
      c.withObj(entry, (o, save) => {
        if (live) setLifecycleAction(o.def, a.type, action);
        if (config) {
          const def = o.newDef ?? o.def;
          if (!live || def !== o.def) setLifecycleAction(def, a.type, action);
          writeDurable(configPath(configDir, def.name), configXML(def));
        }
        save();
        if (live) saveStatus(stateDir, entry, o);
      });
    });
  }),
];
