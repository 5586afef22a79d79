/**
 * The test driver's own storage rules (VIR_FROM_TEST): the checks
 * testStorageVolCreateXML and testStorageVolCreateXMLFrom make, the pool
 * space accounting around them, and testConnectFindStoragePoolSources's
 * fixed answers.
 *
 * @module
 */

import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_STORAGE_VOL,
  VIR_ERR_NO_SUPPORT,
  VIR_ERR_OPERATION_FAILED,
  VIR_FROM_STORAGE,
  VIR_FROM_TEST,
} from "../../rpc/error_codes.ts";
import {
  parsePoolSource,
  POOL_TYPES,
  type PoolDef,
  type PoolSource,
  type VolDef,
} from "../../conf/storage_xml.ts";
import { parseXmlDocument } from "../../util/xml_error.ts";

/**
 * The checks testStorageVolCreateXML makes before adding `vol` to `pool`:
 * a volume of that name must not exist, and the pool must have room for its
 * allocation.
 */
export function checkVolCreate(pool: PoolDef, existing: readonly VolDef[], vol: VolDef): void {
  if (existing.some((v) => v.name === vol.name)) {
    throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_TEST, "storage vol already exists");
  }
  checkVolSpace(pool, vol);
}

function checkVolSpace(pool: PoolDef, vol: VolDef): void {
  if (BigInt(pool.allocation) + BigInt(vol.allocation) > BigInt(pool.capacity)) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_TEST,
      `Not enough free space in pool for volume '${vol.name}'`,
    );
  }
}

/**
 * The checks of testStorageVolCreateXMLFrom, in its order: the new name is
 * free, the volume cloned from (`origName`) exists, the pool has room.
 */
export function checkVolCreateFrom(
  pool: PoolDef,
  existing: readonly VolDef[],
  vol: VolDef,
  origName: string,
): void {
  if (existing.some((v) => v.name === vol.name)) {
    throw VirError.of(VIR_ERR_OPERATION_FAILED, VIR_FROM_TEST, "storage vol already exists");
  }
  if (!existing.some((v) => v.name === origName)) {
    throw VirError.of(
      VIR_ERR_NO_STORAGE_VOL,
      VIR_FROM_TEST,
      `no storage vol with matching name '${origName}'`,
    );
  }
  checkVolSpace(pool, vol);
}

/** The pool after a volume is added: allocation grows by the volume's allocation. */
export function poolWithVolumeAdded(pool: PoolDef, vol: VolDef): PoolDef {
  const allocation = BigInt(pool.allocation) + BigInt(vol.allocation);
  return {
    ...pool,
    allocation: Number(allocation),
    available: Number(BigInt(pool.capacity) - allocation),
  };
}

/** The pool after a volume is deleted. */
export function poolWithVolumeRemoved(pool: PoolDef, vol: VolDef): PoolDef {
  const allocation = BigInt(pool.allocation) - BigInt(vol.allocation);
  return {
    ...pool,
    allocation: Number(allocation),
    available: Number(BigInt(pool.capacity) - allocation),
  };
}

const POOL_SOURCES_LOGICAL = "<sources>\n" +
  "  <source>\n" +
  "    <device path='/dev/sda20'/>\n" +
  "    <name>testvg1</name>\n" +
  "    <format type='lvm2'/>\n" +
  "  </source>\n" +
  "  <source>\n" +
  "    <device path='/dev/sda21'/>\n" +
  "    <name>testvg2</name>\n" +
  "    <format type='lvm2'/>\n" +
  "  </source>\n" +
  "</sources>\n";

/**
 * testConnectFindStoragePoolSources: fixed answers for logical and netfs
 * pools, libvirt's errors otherwise (including its quirk that type "dir",
 * enum value 0, is reported as unknown while unknown types pass on).
 * libvirt 9.0 crashes on a netfs spec without `<host>`; here that is the
 * "hostname must be specified" error instead.
 */
export function findPoolSources(type: string, srcSpec: string | null): string {
  const idx = (POOL_TYPES as readonly string[]).indexOf(type);
  if (idx === 0) {
    throw VirError.of(VIR_ERR_INTERNAL_ERROR, VIR_FROM_TEST, `unknown storage pool type ${type}`);
  }
  let source: PoolSource | null = null;
  if (srcSpec !== null) {
    const root = parseXmlDocument(
      srcSpec,
      "(storage_source_specification)",
      VIR_FROM_STORAGE,
      "source",
    );
    source = parsePoolSource(root, idx < 0 ? null : POOL_TYPES[idx]!, idx);
  }
  if (type === "logical") return POOL_SOURCES_LOGICAL;
  if (type === "netfs") {
    const host = source?.hosts[0];
    if (!host) {
      throw VirError.of(
        VIR_ERR_INVALID_ARG,
        VIR_FROM_TEST,
        "hostname must be specified for netfs sources",
      );
    }
    return "<sources>\n  <source>\n" +
      `    <host name='${host.name}'/>\n` +
      "    <dir path='/testshare'/>\n" +
      "    <format type='nfs'/>\n" +
      "  </source>\n</sources>\n";
  }
  throw VirError.of(
    VIR_ERR_NO_SUPPORT,
    VIR_FROM_TEST,
    `pool type '${type}' does not support source discovery`,
  );
}
