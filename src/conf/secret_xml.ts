/**
 * The secret XML model (libvirt's virSecretDef, src/conf/secret_conf.c):
 * parses a <secret> document as virSecretDefineXML does — a UUID generated
 * when none is given, the usage's ID read from the element its type names —
 * and formats it back as virSecretGetXMLDesc and the secrets directory's
 * UUID.xml files do.
 *
 * @example
 * ```ts
 * import { formatSecretXML, parseSecretXML } from "./secret_xml.ts";
 * const def = parseSecretXML("<secret><usage type='ceph'><name>c</name></usage></secret>");
 * def.usageType; // 2 (VIR_SECRET_USAGE_TYPE_CEPH)
 * formatSecretXML(def); // "<secret ephemeral='no' private='no'>\n  <uuid>…"
 * ```
 *
 * @module
 */

import { VirError } from "../rpc/error.ts";
import {
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_XML_ERROR,
  VIR_FROM_SECRET,
} from "../rpc/error_codes.ts";
import { generateUUID, parseUUID } from "../util/uuid.ts";
import { xpathAttr, xpathNode, xpathString } from "../util/xml_props.ts";
import { parseXmlDocument } from "../util/xml_error.ts";
import { VirBuffer } from "../util/xml_writer.ts";

/** virSecretUsageType. */
export const VIR_SECRET_USAGE_TYPE_NONE = 0;
export const VIR_SECRET_USAGE_TYPE_VOLUME = 1;
export const VIR_SECRET_USAGE_TYPE_CEPH = 2;
export const VIR_SECRET_USAGE_TYPE_ISCSI = 3;
export const VIR_SECRET_USAGE_TYPE_TLS = 4;
export const VIR_SECRET_USAGE_TYPE_VTPM = 5;

/** virSecretDefineFlags. */
export const VIR_SECRET_DEFINE_VALIDATE = 1 << 0;

/** The usage types' names (virSecretUsageType's string table), by value. */
export const SECRET_USAGE_TYPES = ["none", "volume", "ceph", "iscsi", "tls", "vtpm"] as const;

/** Each usage type: the element holding its ID and the word libvirt names it by when missing. */
const USAGE_ID: Record<number, { element: string; missing: string }> = {
  [VIR_SECRET_USAGE_TYPE_VOLUME]: {
    element: "volume",
    missing: "volume usage specified, but volume path is missing",
  },
  [VIR_SECRET_USAGE_TYPE_CEPH]: {
    element: "name",
    missing: "Ceph usage specified, but name is missing",
  },
  [VIR_SECRET_USAGE_TYPE_ISCSI]: {
    element: "target",
    missing: "iSCSI usage specified, but target is missing",
  },
  [VIR_SECRET_USAGE_TYPE_TLS]: {
    element: "name",
    missing: "TLS usage specified, but name is missing",
  },
  [VIR_SECRET_USAGE_TYPE_VTPM]: {
    element: "name",
    missing: "vTPM usage specified, but name is missing",
  },
};

/** One secret's definition (virSecretDef). */
export interface SecretDef {
  ephemeral: boolean;
  private: boolean;
  uuid: string;
  description: string | null;
  usageType: number;
  /** What the secret is for (a volume path, a Ceph user, …); null for usage type none. */
  usageID: string | null;
}

const xmlError = (detail: string) => VirError.of(VIR_ERR_XML_ERROR, VIR_FROM_SECRET, detail);
const internal = (detail: string) => VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_SECRET, detail);

/** virStringParseYesNo of an attribute, or libvirt's "invalid value of 'NAME'". */
function yesNo(value: string | null, name: string): boolean {
  if (value === null) return false;
  if (value === "yes") return true;
  if (value === "no") return false;
  throw xmlError(`invalid value of '${name}'`);
}

/** Parses a <secret> document (virSecretDefParseString); `fileName` names a file being loaded. */
export function parseSecretXML(xml: string, fileName?: string): SecretDef {
  const root = parseXmlDocument(
    xml,
    fileName ?? "(definition_of_secret)",
    VIR_FROM_SECRET,
    "secret",
  );
  const ephemeral = yesNo(xpathAttr(root, "ephemeral"), "ephemeral");
  const isPrivate = yesNo(xpathAttr(root, "private"), "private");
  const uuidText = xpathString(root, "uuid");
  let uuid: string;
  if (uuidText === null) {
    uuid = generateUUID();
  } else {
    const parsed = parseUUID(uuidText);
    if (parsed === null) throw internal("malformed uuid element");
    uuid = parsed;
  }
  const def: SecretDef = {
    ephemeral,
    private: isPrivate,
    uuid,
    description: xpathString(root, "description"),
    usageType: VIR_SECRET_USAGE_TYPE_NONE,
    usageID: null,
  };
  if (xpathNode(root, "usage")) {
    const typeName = xpathAttr(root, "type", "usage");
    if (typeName === null) throw xmlError("unknown secret usage type");
    const type = (SECRET_USAGE_TYPES as readonly string[]).indexOf(typeName);
    if (type < 0) {
      throw VirError.of(
        VIR_ERR_CONFIG_UNSUPPORTED,
        VIR_FROM_SECRET,
        `unknown secret usage type ${typeName}`,
      );
    }
    def.usageType = type;
    const id = USAGE_ID[type];
    if (id) {
      def.usageID = xpathString(root, "usage", id.element);
      if (def.usageID === null) throw internal(id.missing);
    }
  }
  return def;
}

/** Formats a definition as virSecretDefFormat does. */
export function formatSecretXML(def: SecretDef): string {
  const buf = new VirBuffer();
  buf.add(
    `<secret ephemeral='${def.ephemeral ? "yes" : "no"}' private='${
      def.private ? "yes" : "no"
    }'>\n`,
  );
  buf.adjust(2);
  buf.escapeString("<uuid>%s</uuid>\n", def.uuid);
  buf.escapeString("<description>%s</description>\n", def.description);
  const id = USAGE_ID[def.usageType];
  if (def.usageType !== VIR_SECRET_USAGE_TYPE_NONE && id) {
    buf.add(`<usage type='${SECRET_USAGE_TYPES[def.usageType]}'>\n`);
    buf.adjust(2);
    buf.escapeString(`<${id.element}>%s</${id.element}>\n`, def.usageID);
    buf.adjust(-2);
    buf.add("</usage>\n");
  }
  buf.adjust(-2);
  buf.add("</secret>\n");
  return buf.toString();
}
