/**
 * virDomainSetMetadata and virDomainGetMetadata on QEMU domains (virsh desc,
 * virsh metadata): the title, description and applications' elements of the
 * running definition (kept in the status file) and of the persistent one
 * (written to the domain's XML file), with the metadata-change event.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import {
  checkGetMetadataArgs,
  checkMetadataType,
  checkSetMetadataArgs,
  getMetadata,
  META_ELEMENT,
  METADATA_CHANGE_EVENT,
  setMetadata,
} from "../domain_metadata.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";
import { exclusiveAffect } from "../flags.ts";
import { on } from "./conn.ts";
import { configPath, writeDurable } from "./files.ts";
import { saveStatus } from "./hotplug.ts";
import { affectedDefs, checkFlags, configXML } from "./domain_common.ts";

const AFFECT = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;

export const metadataHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_METADATA, (c, a) => {
    checkSetMetadataArgs(a.type, a.key, a.uri, a.metadata);
    checkFlags("qemuDomainSetMetadata", a.flags, AFFECT);
    const { configDir, stateDir } = c.dir((d) => ({
      configDir: d.configDir,
      stateDir: d.stateDir,
    }));
    c.job(a.dom, "remoteDispatchDomainSetMetadata", (entry) => {
      const id = c.withObj(entry, (o, save) => {
        const { live, config } = affectedDefs(a.flags, o);
        if (live) setMetadata(o.def, a.type, a.metadata, a.key, a.uri);
        if (config) {
          const def = o.newDef ?? o.def;
          if (!live || def !== o.def) setMetadata(def, a.type, a.metadata, a.key, a.uri);
          writeDurable(configPath(configDir, def.name), configXML(def));
        }
        save();
        if (live) saveStatus(stateDir, entry, o);
        return o.id;
      });
      c.emitDomain(
        { name: entry.name, uuid: entry.uuid, id },
        METADATA_CHANGE_EVENT,
        { type: a.type, nsuri: a.type === META_ELEMENT ? a.uri : null },
        true,
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_METADATA, (c, a) => {
    exclusiveAffect("virDomainGetMetadata", a.flags);
    checkGetMetadataArgs(a.type, a.uri);
    checkFlags("qemuDomainGetMetadata", a.flags, AFFECT);
    return c.withObj(c.entry(a.dom), (o) => {
      checkMetadataType(a.type);
      const { live } = affectedDefs(a.flags, o);
      return { metadata: getMetadata(live ? o.def : o.newDef ?? o.def, a.type, a.uri) };
    });
  }),
];
