/**
 * The test driver's domain metadata (virDomainSetMetadata,
 * virDomainGetMetadata) over the shared definition rules of
 * src/drivers/domain_metadata.ts, with the metadata-change event.
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
  METADATA_CHANGE_EVENT,
  METADATA_CHANGE_PROC,
  metadataChangeMessage,
  setMetadata,
} from "../domain_metadata.ts";
import { on } from "./conn.ts";
import { checkFlags } from "./errors.ts";
import { exclusiveAffect } from "../flags.ts";
import { bothDefs, oneDef, wire } from "./domain.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";

export const metadataHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_METADATA, (c, a) => {
    checkSetMetadataArgs(a.type, a.key, a.uri, a.metadata);
    checkFlags(
      "testDomainSetMetadata",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    c.domain(a.dom, (o, x) => {
      const { live, config } = bothDefs(o, a.flags);
      if (live) setMetadata(live, a.type, a.metadata, a.key, a.uri);
      if (config) setMetadata(config, a.type, a.metadata, a.key, a.uri);
      x.save();
      const dom = wire(x.entry);
      c.emit(
        x.dir,
        "domain",
        METADATA_CHANGE_EVENT,
        x.entry.uuid,
        (callbackID, legacy) =>
          legacy ? null : {
            proc: METADATA_CHANGE_PROC,
            msg: metadataChangeMessage(callbackID, dom, a.type, a.uri),
          },
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_METADATA, (c, a) => {
    exclusiveAffect("virDomainGetMetadata", a.flags);
    checkGetMetadataArgs(a.type, a.uri);
    checkFlags(
      "testDomainGetMetadata",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      checkMetadataType(a.type);
      const { def } = oneDef(o, a.flags);
      const metadata = getMetadata(def, a.type, a.uri);
      if (o.newDef) x.save();
      return { metadata };
    });
  }),
];
