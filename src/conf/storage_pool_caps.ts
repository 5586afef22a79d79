/**
 * The storage pool capabilities document (virsh pool-capabilities,
 * virConnectGetStoragePoolCapabilities) as libvirt 9.0 writes it: every
 * pool type it knows, in its order, whether this daemon's storage driver
 * has a backend for it, and the source and volume formats each type takes
 * (listed whether or not the backend is there, as libvirt lists them).
 *
 * @module
 */

import { XmlWriter } from "../util/xml_writer.ts";
import { type FormatOptions, POOL_TYPES, poolTypeFormats } from "./storage_xml.ts";

function writeOptions(w: XmlWriter, element: string, enumName: string, o: FormatOptions): void {
  w.open(element);
  w.empty("defaultFormat", [["type", o.defaultFormat]]);
  w.open("enum", [["name", enumName]]);
  for (const f of o.formats) w.text("value", f);
  w.close("enum");
  w.close(element);
}

/** The document, marking supported the pool types in `backends`. */
export function storagePoolCapabilitiesXML(backends: ReadonlySet<string>): string {
  const w = new XmlWriter();
  w.open("storagepoolCapabilities");
  for (const type of POOL_TYPES) {
    const { pool, vol } = poolTypeFormats(type);
    w.open("pool", [["type", type], ["supported", backends.has(type) ? "yes" : "no"]]);
    if (pool) writeOptions(w, "poolOptions", "sourceFormatType", pool);
    // The rbd backend names no volume format of its own: libvirt lists none.
    if (vol) {
      writeOptions(
        w,
        "volOptions",
        "targetFormatType",
        type === "rbd" ? { ...vol, formats: [] } : vol,
      );
    }
    w.close("pool");
  }
  w.close("storagepoolCapabilities");
  return w.toString();
}
