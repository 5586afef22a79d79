/**
 * Domain metadata as libvirt keeps it in a definition (virDomainDefSetMetadata,
 * virDomainObjGetMetadata): the title, the description and applications'
 * namespaced elements under <metadata>, and the public API's checks of
 * virDomainSetMetadata and virDomainGetMetadata's arguments. Shared by the
 * test and QEMU drivers, which differ only in where definitions live.
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_DOMAIN_METADATA,
  VIR_FROM_DOMAIN,
  VIR_FROM_XML,
} from "../rpc/error_codes.ts";
import type { DomainDef } from "../conf/domain_xml.ts";
import { appendNode, element, lookupNamespace, prefixOf, type XmlElement } from "../util/xml.ts";
import { parseXmlDocument } from "../util/xml_error.ts";
import { extractNamespaceXML, injectNamespace, isNCName } from "../util/xml_metadata.ts";
import { DOMAIN_EVENT_CALLBACK_PROCS } from "./events.ts";

/** VIR_DOMAIN_EVENT_ID_METADATA_CHANGE. */
export const METADATA_CHANGE_EVENT = 23;
/** Its callback procedure. */
export const METADATA_CHANGE_PROC = DOMAIN_EVENT_CALLBACK_PROCS[METADATA_CHANGE_EVENT]!;

export const META_DESCRIPTION = 0;

export const META_TITLE = 1;
export const META_ELEMENT = 2;

function noMetadata(): VirError {
  return VirError.of(
    VIR_ERR_NO_DOMAIN_METADATA,
    VIR_FROM_DOMAIN,
    "Requested metadata element is not present",
  );
}

/** virDomainDefSetMetadata on one definition. */
export function setMetadata(
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

/** virDomainObjGetMetadata on one definition. */
export function getMetadata(def: DomainDef, type: number, uri: string | null): string {
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

/** virDomainSetMetadata's own checks, before the driver's. */
export function checkSetMetadataArgs(
  type: number,
  key: string | null,
  uri: string | null,
  metadata: string | null,
): void {
  const fn = "virDomainSetMetadata";
  if (type === META_TITLE || type === META_DESCRIPTION) {
    if (uri !== null) throw apiInvalidArg(fn, "uri", `uri in ${fn} must be NULL`);
    if (key !== null) throw apiInvalidArg(fn, "key", `key in ${fn} must be NULL`);
  } else if (type === META_ELEMENT) {
    if (uri === null) throw apiInvalidArg(fn, "uri", `uri in ${fn} must not be NULL`);
    if (metadata !== null && key === null) {
      throw apiInvalidArg(fn, "key", `key in ${fn} must not be NULL`);
    }
  }
}

/** virDomainGetMetadata's own checks of uri (the affect flags are checked by the caller). */
export function checkGetMetadataArgs(type: number, uri: string | null): void {
  const fn = "virDomainGetMetadata";
  if (type === META_ELEMENT && uri === null) {
    throw apiInvalidArg(fn, "uri", `uri in ${fn} must not be NULL`);
  }
  // Types beyond ELEMENT are left to the driver ("for future expansion").
  if ((type === META_DESCRIPTION || type === META_TITLE) && uri !== null) {
    throw apiInvalidArg(fn, "uri", `uri in ${fn} must be NULL`);
  }
}

/** The driver's refusal of a type beyond ELEMENT in virDomainGetMetadata. */
export function checkMetadataType(type: number): void {
  if (type > META_ELEMENT) {
    throw VirError.of(VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, `unknown metadata type '${type}'`);
  }
}

/** The METADATA_CHANGE event's message (callback-style registrations only). */
export function metadataChangeMessage<D>(
  callbackID: number,
  dom: D,
  type: number,
  uri: string | null,
): Record<string, unknown> {
  return { callbackID, dom, type, nsuri: type === META_ELEMENT ? uri : null };
}
