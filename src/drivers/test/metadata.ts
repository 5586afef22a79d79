/**
 * The test driver's domain metadata (virDomainSetMetadata,
 * virDomainGetMetadata): title, description and applications' elements,
 * with the metadata-change event.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN_METADATA,
  VIR_FROM_DOMAIN,
  VIR_FROM_XML,
} from "../../rpc/error_codes.ts";
import type { DomainDef } from "../../conf/domain_xml.ts";
import { appendNode, element, lookupNamespace, prefixOf, type XmlElement } from "../../util/xml.ts";
import { parseXmlDocument } from "../../util/xml_error.ts";
import { extractNamespaceXML, injectNamespace, isNCName } from "../../util/xml_metadata.ts";
import { DOMAIN_EVENT_CALLBACK_PROCS } from "../events.ts";
import { on } from "./conn.ts";
import { checkFlags, exclusiveAffect } from "./errors.ts";
import { bothDefs, oneDef, wire } from "./domain.ts";
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from "../domain_constants.ts";

const METADATA_CHANGE_EVENT = 23;

const META_DESCRIPTION = 0;

const META_TITLE = 1;
const META_ELEMENT = 2;

function noMetadata(): VirError {
  return VirError.of(
    VIR_ERR_NO_DOMAIN_METADATA,
    VIR_FROM_DOMAIN,
    "Requested metadata element is not present",
  );
}

function setMetadata(
  def: DomainDef,
  type: number,
  metadata: string | null,
  key: string | null,
  uri: string | null,
): void {
  switch (type) {
    case META_DESCRIPTION:
      def.description = metadata ? metadata : null;
      return;
    case META_TITLE:
      if (metadata && metadata.includes("\n")) {
        throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "title can't contain newlines");
      }
      def.title = metadata ? metadata : null;
      return;
    case META_ELEMENT: {
      // virDomainDefSetMetadata: parse and namespace the new element, drop those
      // sharing its namespace, add it (making <metadata> if there was none).
      let fresh: XmlElement | null = null;
      if (metadata) {
        // Parsed keeping blanks, unlike a definition's <metadata>.
        fresh = parseXmlDocument(metadata, "(metadata_xml)", VIR_FROM_DOMAIN);
        if (!isNCName(key ?? "")) {
          throw VirError.of(
            VIR_ERR_INTERNAL_ERROR,
            VIR_FROM_XML,
            "failed to validate prefix for a new XML namespace",
          );
        }
        fresh = injectNamespace(fresh, uri ?? "", key ?? "");
      }
      const md = def.metadata;
      if (md === null && fresh === null) return;
      const kept = element("metadata", md?.attrs ?? []);
      for (const n of md?.nodes ?? []) {
        if (n.kind === "element" && lookupNamespace([kept, n], prefixOf(n.name)) === uri) continue;
        appendNode(kept, n);
      }
      if (fresh) appendNode(kept, fresh);
      def.metadata = kept;
      return;
    }
    default:
      // virDomainDefSetMetadata: a type past ELEMENT is refused, a negative one changes nothing.
      if (type < 0) return;
      throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, `unknown metadata type '${type}'`);
  }
}

function getMetadata(def: DomainDef, type: number, uri: string | null): string {
  switch (type) {
    case META_DESCRIPTION:
      if (def.description === null) throw noMetadata();
      return def.description;
    case META_TITLE:
      if (def.title === null) throw noMetadata();
      return def.title;
    case META_ELEMENT: {
      const md = def.metadata;
      const xml = md === null ? null : extractNamespaceXML(md, uri ?? "");
      if (xml === null) throw noMetadata();
      return xml;
    }
    default:
      // A negative type passes virDomainObjGetMetadata's range check and finds nothing.
      throw noMetadata();
  }
}

export function apiInvalidArg(fn: string, arg: string, message: string): VirError {
  return VirError.argument(VIR_FROM_DOMAIN, fn, arg, message);
}

export const metadataHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_DOMAIN_SET_METADATA, (
    c,
    a,
  ) => {
    const fn = "virDomainSetMetadata";
    if (a.type === META_TITLE || a.type === META_DESCRIPTION) {
      if (a.uri !== null) throw apiInvalidArg(fn, "uri", `uri in ${fn} must be NULL`);
      if (a.key !== null) throw apiInvalidArg(fn, "key", `key in ${fn} must be NULL`);
    } else if (a.type === META_ELEMENT) {
      if (a.uri === null) throw apiInvalidArg(fn, "uri", `uri in ${fn} must not be NULL`);
      if (a.metadata !== null && a.key === null) {
        throw apiInvalidArg(fn, "key", `key in ${fn} must not be NULL`);
      }
    }
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
            proc: DOMAIN_EVENT_CALLBACK_PROCS[METADATA_CHANGE_EVENT]!,
            msg: { callbackID, dom, type: a.type, nsuri: a.type === META_ELEMENT ? a.uri : null },
          },
      );
    });
  }),
  on(P.REMOTE_PROC_DOMAIN_GET_METADATA, (c, a) => {
    const fn = "virDomainGetMetadata";
    exclusiveAffect(fn, a.flags);
    if (a.type === META_ELEMENT && a.uri === null) {
      throw apiInvalidArg(fn, "uri", `uri in ${fn} must not be NULL`);
    }
    // Types beyond ELEMENT are left to the driver ("for future expansion").
    if ((a.type === META_DESCRIPTION || a.type === META_TITLE) && a.uri !== null) {
      throw apiInvalidArg(fn, "uri", `uri in ${fn} must be NULL`);
    }
    checkFlags(
      "testDomainGetMetadata",
      a.flags,
      VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG,
    );
    return c.domain(a.dom, (o, x) => {
      if (a.type > META_ELEMENT) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_DOMAIN,
          `unknown metadata type '${a.type}'`,
        );
      }
      const { def } = oneDef(o, a.flags);
      const metadata = getMetadata(def, a.type, a.uri);
      if (o.newDef) x.save();
      return { metadata };
    });
  }),
];
