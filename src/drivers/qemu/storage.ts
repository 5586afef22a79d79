/**
 * Storage on qemu:/// connections (libvirt's storage driver, `dir` backend):
 * a pool is a real directory, its volumes are the files in it, read afresh
 * from disk on every call, and qemu-img creates, inspects, resizes and
 * clones them. Pool definitions persist as `<configDir>/storage/NAME.xml`
 * (autostart links beside, as libvirt's /etc/libvirt/storage). Volume upload
 * and download are streams the event loop serves from and to the file.
 *
 * @module
 */

import type { HandlerEntry } from "../../dispatch/handlers.ts";
import * as P from "../../protocol/remote_procedure_numbers.ts";
import { VirError } from "../../rpc/error.ts";
import {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_STORAGE_POOL,
  VIR_ERR_NO_STORAGE_VOL,
  VIR_ERR_OPERATION_FAILED,
  VIR_ERR_OPERATION_INVALID,
  VIR_FROM_STORAGE,
} from "../../rpc/error_codes.ts";
import { uuidFromString, uuidToString } from "../../util/uuid.ts";
import { checkFlagsIn } from "../../util/flags.ts";
import { storagePoolCapabilitiesXML } from "../../conf/storage_pool_caps.ts";
import {
  formatPoolXML,
  formatVolXML,
  parsePoolXML,
  parseVolXML,
  type PoolDef,
  type VolDef,
} from "../../conf/storage_xml.ts";
import { on, type QemuConn } from "./conn.ts";
import { STAT } from "./proc.ts";
import { removeDurable, writeDurable } from "./files.ts";
import { fileError } from "../system_error.ts";
import type { QemuDirectory } from "./state.ts";

const VIR_STORAGE_POOL_INACTIVE = 0;
/** VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM = VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM. */
const VIR_STORAGE_VOL_SPARSE_STREAM = 1;
const VIR_STORAGE_POOL_RUNNING = 2;
const VIR_STORAGE_VOL_FILE = 0;
const VIR_STORAGE_VOL_RESIZE_ALLOCATE = 1;
const VIR_STORAGE_VOL_RESIZE_DELTA = 2;
const VIR_STORAGE_VOL_RESIZE_SHRINK = 4;
const VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE = 1;
const VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE = 2;
const VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT = 4;
const VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT = 8;
const VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART = 16;
const VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART = 32;
const VIR_CONNECT_LIST_STORAGE_POOLS_DIR = 64;

/** A pool in the directory (the definition is small: it lives in the directory itself). */
export interface QemuPool {
  def: PoolDef;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

interface WirePool {
  name: string;
  uuid: Uint8Array;
}
interface WireVol {
  pool: string;
  name: string;
  key: string;
}

const wirePool = (p: QemuPool): WirePool => ({
  name: p.def.name,
  uuid: uuidFromString(p.def.uuid)!,
});

const poolConfig = (d: QemuDirectory, name: string) => `${d.configDir}/storage/${name}.xml`;
const poolAutostart = (d: QemuDirectory, name: string) =>
  `${d.configDir}/storage/autostart/${name}.xml`;

function noPool(what: string): VirError {
  return VirError.of(VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE, what);
}

function noVol(what: string): VirError {
  return VirError.of(VIR_ERR_NO_STORAGE_VOL, VIR_FROM_STORAGE, what);
}

function notActive(name: string): VirError {
  return VirError.of(
    VIR_ERR_OPERATION_INVALID,
    VIR_FROM_STORAGE,
    `storage pool '${name}' is not active`,
  );
}

/** What qemu-img says of an image: virtual size and format. */
export function imageInfo(qemuImg: string, path: string): { capacity: number; format: string } {
  const out = new Deno.Command(qemuImg, {
    args: ["info", "--output=json", "-U", path],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!out.success) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_STORAGE,
      `cannot inspect '${path}': ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  const j = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    "virtual-size": number;
    format: string;
  };
  return { capacity: j["virtual-size"], format: j.format };
}

function qemuImgRun(qemuImg: string, args: string[]): void {
  const out = new Deno.Command(qemuImg, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!out.success) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_STORAGE,
      `qemu-img ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
}

/** The volumes of an active dir pool: its regular files, as libvirt's refresh sees them. */
function volumes(d: QemuDirectory, pool: QemuPool): VolDef[] {
  const dir = pool.def.target.path!;
  const out: VolDef[] = [];
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();
  } catch (e) {
    throw fileError(VIR_FROM_STORAGE, `cannot read directory '${dir}'`, dir, e);
  }
  for (const name of names) {
    const path = `${dir}/${name}`;
    let info = { capacity: 0, format: "raw" };
    try {
      info = imageInfo(d.qemuImg, path);
    } catch {
      // Not an image qemu-img understands: a raw file of its size.
      info = { capacity: Deno.statSync(path).size, format: "raw" };
    }
    const st = Deno.statSync(path);
    out.push({
      name,
      key: path,
      type: "file",
      capacity: info.capacity,
      allocation: (st.blocks ?? 0) * 512,
      target: {
        path,
        format: info.format,
        perms: {
          mode: (st.mode ?? 0) & 0o777,
          owner: st.uid ?? 0,
          group: st.gid ?? 0,
          label: null,
        },
        encryption: null,
        compat: null,
        nocow: false,
        clusterSize: 0,
        features: null,
      },
      backingStore: null,
    } as VolDef);
  }
  return out;
}

function findPool(d: QemuDirectory, pred: (p: QemuPool) => boolean, what: string): QemuPool {
  const p = d.pools.find(pred);
  if (!p) throw noPool(what);
  return p;
}

const byName = (d: QemuDirectory, name: string) =>
  findPool(d, (p) => p.def.name === name, `no storage pool with matching name '${name}'`);

/** A pool that must be running (its volumes are read from its directory). */
function activePool(d: QemuDirectory, name: string): QemuPool {
  const p = byName(d, name);
  if (!p.active) throw notActive(p.def.name);
  return p;
}

/** A volume to be created from XML in `pool`: its definition and a path no file has yet. */
function newVolume(pool: QemuPool, xml: string): { v: VolDef; path: string } {
  const v = parseVolXML(xml, pool.def);
  const path = volPath(pool, v.name);
  let taken = true;
  try {
    Deno.statSync(path);
  } catch {
    taken = false;
  }
  if (taken) {
    throw VirError.of(
      VIR_ERR_OPERATION_FAILED,
      VIR_FROM_STORAGE,
      `storage volume name '${v.name}' already in use.`,
    );
  }
  return { v, path };
}

function findVol(d: QemuDirectory, w: WireVol): { pool: QemuPool; vol: VolDef } {
  const pool = activePool(d, w.pool);
  const vol = volumes(d, pool).find((v) => v.name === w.name);
  if (!vol) throw noVol(`no storage vol with matching name '${w.name}'`);
  return { pool, vol };
}

function checkDirPool(def: PoolDef): void {
  if (def.type !== "dir") {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_STORAGE,
      `missing backend for pool type ${def.type} (${def.type})`,
    );
  }
}

function define(c: QemuConn, xml: string): { pool: WirePool } {
  const def = parsePoolXML(xml);
  checkDirPool(def);
  return c.dir((d, save) => {
    const same = d.pools.find((p) => p.def.name === def.name);
    if (same && same.def.uuid !== def.uuid) {
      throw VirError.of(
        VIR_ERR_OPERATION_FAILED,
        VIR_FROM_STORAGE,
        `pool '${def.name}' is already defined with uuid ${same.def.uuid}`,
      );
    }
    writeDurable(poolConfig(d, def.name), formatPoolXML(def, { inactive: true }));
    if (same) {
      same.def = def;
      same.persistent = true;
    } else d.pools.push({ def, active: false, persistent: true, autostart: false });
    save();
    return { pool: wirePool(d.pools.find((p) => p.def.name === def.name)!) };
  });
}

/**
 * The file system under a dir pool's target, as libvirt's dir backend
 * reads it with statvfs: capacity = f_frsize × f_blocks, allocation =
 * capacity − f_frsize × f_bfree, available = f_frsize × f_bavail. Deno has
 * no statvfs, so coreutils' `stat -f` is asked.
 */
function fsInfo(path: string): { capacity: bigint; allocation: bigint; available: bigint } {
  const out = new Deno.Command(STAT, { args: ["-f", "--format=%S %b %f %a", path] }).outputSync();
  const [frsize, blocks, bfree, bavail] = new TextDecoder().decode(out.stdout).trim().split(" ")
    .map((x) => BigInt(/^\d+$/.test(x) ? x : "0"));
  if (!out.success || frsize === undefined || bavail === undefined) {
    throw VirError.of(
      VIR_ERR_INTERNAL_ERROR,
      VIR_FROM_STORAGE,
      `cannot statvfs path '${path}': ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  const capacity = frsize * blocks!;
  return { capacity, allocation: capacity - frsize * bfree!, available: frsize * bavail };
}

function poolInfo(p: QemuPool) {
  const fs = p.active
    ? fsInfo(p.def.target.path!)
    : { capacity: 0n, allocation: 0n, available: 0n };
  return { state: p.active ? VIR_STORAGE_POOL_RUNNING : VIR_STORAGE_POOL_INACTIVE, ...fs };
}

function volPath(pool: QemuPool, name: string): string {
  if (name.includes("/") || name === "." || name === "..") {
    throw VirError.of(
      VIR_ERR_INVALID_ARG,
      VIR_FROM_STORAGE,
      `volume name '${name}' cannot contain '/'`,
    );
  }
  return `${pool.def.target.path}/${name}`;
}

function listFilter(p: QemuPool, flags: number): boolean {
  const pair = (a: number, b: number, v: boolean) =>
    !(flags & (a | b)) || ((flags & a) !== 0 && v) || ((flags & b) !== 0 && !v);
  return pair(
    VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
    VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE,
    p.active,
  ) &&
    pair(
      VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT,
      VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT,
      p.persistent,
    ) &&
    pair(
      VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART,
      VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART,
      p.autostart,
    ) &&
    (!(flags & ~0x3f) || (flags & VIR_CONNECT_LIST_STORAGE_POOLS_DIR) !== 0);
}

/** STORAGE_VOL_LOOKUP_BY_KEY and _BY_PATH: a volume's key is its path. */
function volByPath(c: QemuConn, path: string, by: "key" | "path"): { vol: WireVol } {
  return c.dir((d) => {
    for (const p of d.pools.filter((x) => x.active)) {
      const v = volumes(d, p).find((x) => x.key === path);
      if (v) return { vol: { pool: p.def.name, name: v.name, key: v.key! } };
    }
    throw noVol(
      by === "key"
        ? `no storage vol with matching key ${path}`
        : `no storage vol with matching path '${path}'`,
    );
  });
}

/** STORAGE_VOL_UPLOAD and _DOWNLOAD: the event loop streams the volume's file. */
function volTransfer(
  c: QemuConn,
  a: { vol: WireVol; offset: bigint; length: bigint; flags: number },
  op: "storage.upload" | "storage.download",
): void {
  // VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM and _DOWNLOAD_SPARSE_STREAM are both 1.
  checkFlagsIn(
    VIR_FROM_STORAGE,
    op === "storage.upload" ? "storageVolUpload" : "storageVolDownload",
    a.flags,
    VIR_STORAGE_VOL_SPARSE_STREAM,
  );
  const path = c.dir((d) => findVol(d, a.vol).vol.target.path!);
  c.ioStream(op, {
    path,
    offset: Number(a.offset),
    length: Number(a.length),
    sparse: (a.flags & VIR_STORAGE_VOL_SPARSE_STREAM) !== 0,
  });
}

/** The pool types this storage driver has a backend for. */
const POOL_BACKENDS: ReadonlySet<string> = new Set(["dir"]);

export const storageHandlers: HandlerEntry[] = [
  on(P.REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES, (_c, a) => {
    checkFlagsIn(VIR_FROM_STORAGE, "storageConnectGetStoragePoolCapabilities", a.flags, 0);
    return { capabilities: storagePoolCapabilitiesXML(POOL_BACKENDS) };
  }),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS,
    (c) => ({ num: c.dir((d) => d.pools.filter((p) => p.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, (c, a) => ({
    names: c.dir((d) => d.pools.filter((p) => p.active).map((p) => p.def.name))
      .slice(0, a.maxnames),
  })),
  on(
    P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS,
    (c) => ({ num: c.dir((d) => d.pools.filter((p) => !p.active).length) }),
  ),
  on(P.REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, (c, a) => ({
    names: c.dir((d) => d.pools.filter((p) => !p.active).map((p) => p.def.name))
      .slice(0, a.maxnames),
  })),
  on(P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, (c, a) =>
    c.dir((d) => {
      const pools = d.pools.filter((p) => listFilter(p, a.flags)).map(wirePool);
      return { pools: a.need_results ? pools : [], ret: pools.length };
    })),
  on(
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
    (c, a) => ({ pool: c.dir((d) => wirePool(byName(d, a.name))) }),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, (c, a) => {
    const u = uuidToString(a.uuid);
    return {
      pool: c.dir((d) =>
        wirePool(
          findPool(d, (p) => p.def.uuid === u, `no storage pool with matching uuid '${u}'`),
        )
      ),
    };
  }),
  on(
    P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME,
    (c, a) => ({ pool: c.dir((d) => wirePool(byName(d, a.vol.pool))) }),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, (c, a) => define(c, a.xml)),
  on(P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, (c, a) => {
    const def = parsePoolXML(a.xml);
    checkDirPool(def);
    return c.dir((d, save) => {
      if (d.pools.some((p) => p.def.name === def.name || p.def.uuid === def.uuid)) {
        throw VirError.of(
          VIR_ERR_OPERATION_FAILED,
          VIR_FROM_STORAGE,
          `storage pool '${def.name}' already exists`,
        );
      }
      const pool: QemuPool = { def, active: true, persistent: false, autostart: false };
      volumes(d, pool); // the directory must be there
      d.pools.push(pool);
      save();
      return { pool: wirePool(pool) };
    });
  }),
  on(P.REMOTE_PROC_STORAGE_POOL_BUILD, (c, a) =>
    c.dir((d) => {
      const p = byName(d, a.pool.name);
      try {
        Deno.mkdirSync(p.def.target.path!, { recursive: true, mode: 0o711 });
      } catch (e) {
        throw fileError(
          VIR_FROM_STORAGE,
          `cannot create path '${p.def.target.path}'`,
          p.def.target.path!,
          e,
        );
      }
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_CREATE, (c, a) =>
    c.dir((d, save) => {
      const p = byName(d, a.pool.name);
      if (p.active) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_STORAGE,
          `storage pool '${p.def.name}' is already active`,
        );
      }
      volumes(d, { ...p, active: true }); // the directory must be there
      p.active = true;
      save();
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_DESTROY, (c, a) =>
    c.dir((d, save) => {
      const p = activePool(d, a.pool.name);
      p.active = false;
      if (!p.persistent) d.pools = d.pools.filter((x) => x !== p);
      save();
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_UNDEFINE, (c, a) =>
    c.dir((d, save) => {
      const p = byName(d, a.pool.name);
      if (p.active) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_STORAGE,
          `storage pool '${p.def.name}' is still active`,
        );
      }
      removeDurable(poolConfig(d, p.def.name));
      removeDurable(poolAutostart(d, p.def.name));
      d.pools = d.pools.filter((x) => x !== p);
      save();
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_DELETE, (c, a) =>
    c.dir((d) => {
      const p = byName(d, a.pool.name);
      if (p.active) {
        throw VirError.of(
          VIR_ERR_OPERATION_INVALID,
          VIR_FROM_STORAGE,
          `storage pool '${p.def.name}' is still active`,
        );
      }
      try {
        Deno.removeSync(p.def.target.path!);
      } catch (e) {
        throw fileError(
          VIR_FROM_STORAGE,
          `cannot remove pool directory '${p.def.target.path}'`,
          p.def.target.path!,
          e,
        );
      }
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_REFRESH, (c, a) =>
    c.dir((d) => {
      const p = activePool(d, a.pool.name);
      volumes(d, p);
    })),
  on(
    P.REMOTE_PROC_STORAGE_POOL_GET_INFO,
    (c, a) => c.dir((d) => poolInfo(byName(d, a.pool.name))),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, (c, a) =>
    c.dir((d) => {
      const p = byName(d, a.pool.name);
      const info = poolInfo(p);
      const def = {
        ...p.def,
        capacity: Number(info.capacity),
        allocation: Number(info.allocation),
        available: Number(info.available),
      };
      return { xml: formatPoolXML(def, { inactive: (a.flags & 1) !== 0 }) };
    })),
  on(
    P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART,
    (c, a) => ({ autostart: c.dir((d) => (byName(d, a.pool.name).autostart ? 1 : 0)) }),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, (c, a) =>
    c.dir((d, save) => {
      const p = byName(d, a.pool.name);
      if (!p.persistent) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_STORAGE,
          "cannot set autostart for transient pool",
        );
      }
      const link = poolAutostart(d, p.def.name);
      if (a.autostart) {
        Deno.mkdirSync(`${d.configDir}/storage/autostart`, { recursive: true, mode: 0o700 });
        try {
          Deno.removeSync(link);
        } catch {
          // Not there.
        }
        Deno.symlinkSync(`../${p.def.name}.xml`, link);
      } else removeDurable(link);
      p.autostart = a.autostart !== 0;
      save();
    })),
  on(
    P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE,
    (c, a) => ({ active: c.dir((d) => (byName(d, a.pool.name).active ? 1 : 0)) }),
  ),
  on(P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, (c, a) => ({
    persistent: c.dir((d) => (byName(d, a.pool.name).persistent ? 1 : 0)),
  })),
  on(P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, (c, a) =>
    c.dir((d) => {
      const p = activePool(d, a.pool.name);
      return { num: volumes(d, p).length };
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, (c, a) =>
    c.dir((d) => {
      const p = activePool(d, a.pool.name);
      return { names: volumes(d, p).map((v) => v.name).slice(0, a.maxnames) };
    })),
  on(P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES, (c, a) =>
    c.dir((d) => {
      const p = activePool(d, a.pool.name);
      const vols = volumes(d, p).map((v) => ({ pool: p.def.name, name: v.name, key: v.key! }));
      return { vols: a.need_results ? vols : [], ret: vols.length };
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, (c, a) =>
    c.dir((d) => {
      const { pool, vol } = findVol(d, { pool: a.pool.name, name: a.name, key: "" });
      return { vol: { pool: pool.def.name, name: vol.name, key: vol.key! } };
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, (c, a) => volByPath(c, a.key, "key")),
  on(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, (c, a) => volByPath(c, a.path, "path")),
  on(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, (c, a) =>
    c.dir((d) => {
      const p = activePool(d, a.pool.name);
      const { v, path } = newVolume(p, a.xml);
      const fmt = v.target.format ?? "raw";
      qemuImgRun(d.qemuImg, ["create", "-f", fmt, path, String(v.capacity)]);
      return { vol: { pool: p.def.name, name: v.name, key: path } };
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM, (c, a) =>
    c.dir((d) => {
      const p = activePool(d, a.pool.name);
      const src = findVol(d, a.clonevol).vol;
      const { v, path } = newVolume(p, a.xml);
      const fmt = v.target.format ?? src.target.format ?? "raw";
      qemuImgRun(d.qemuImg, [
        "convert",
        "-f",
        src.target.format ?? "raw",
        "-O",
        fmt,
        src.target.path!,
        path,
      ]);
      return { vol: { pool: p.def.name, name: v.name, key: path } };
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_DELETE, (c, a) =>
    c.dir((d) => {
      const { vol } = findVol(d, a.vol);
      try {
        Deno.removeSync(vol.target.path!);
      } catch (e) {
        throw fileError(
          VIR_FROM_STORAGE,
          `cannot unlink file '${vol.target.path}'`,
          vol.target.path!,
          e,
        );
      }
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_GET_INFO, (c, a) =>
    c.dir((d) => {
      const { vol } = findVol(d, a.vol);
      return {
        type: VIR_STORAGE_VOL_FILE,
        capacity: BigInt(vol.capacity),
        allocation: BigInt(vol.allocation),
      };
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, (c, a) =>
    c.dir((d) => {
      const { pool, vol } = findVol(d, a.vol);
      return { xml: formatVolXML(vol, pool.def) };
    })),
  on(
    P.REMOTE_PROC_STORAGE_VOL_GET_PATH,
    (c, a) => ({ name: c.dir((d) => findVol(d, a.vol).vol.target.path!) }),
  ),
  on(P.REMOTE_PROC_STORAGE_VOL_RESIZE, (c, a) =>
    c.dir((d) => {
      const { vol } = findVol(d, a.vol);
      const cur = BigInt(vol.capacity);
      const want = a.flags & VIR_STORAGE_VOL_RESIZE_DELTA
        ? (a.flags & VIR_STORAGE_VOL_RESIZE_SHRINK ? cur - a.capacity : cur + a.capacity)
        : a.capacity;
      if (want < cur && !(a.flags & VIR_STORAGE_VOL_RESIZE_SHRINK)) {
        throw VirError.of(
          VIR_ERR_INVALID_ARG,
          VIR_FROM_STORAGE,
          "Can't shrink capacity below current capacity unless shrink flag explicitly specified",
        );
      }
      const args = ["resize"];
      if (want < cur) args.push("--shrink");
      if (a.flags & VIR_STORAGE_VOL_RESIZE_ALLOCATE) args.push("--preallocation=falloc");
      qemuImgRun(d.qemuImg, [
        ...args,
        "-f",
        vol.target.format ?? "raw",
        vol.target.path!,
        String(want),
      ]);
    })),
  on(P.REMOTE_PROC_STORAGE_VOL_UPLOAD, (c, a) => volTransfer(c, a, "storage.upload")),
  on(P.REMOTE_PROC_STORAGE_VOL_DOWNLOAD, (c, a) => volTransfer(c, a, "storage.download")),
];

/** Loads the pool definitions at start-up; autostart pools whose directory exists come up active. */
export function loadPools(d: QemuDirectory): void {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(`${d.configDir}/storage`)];
  } catch {
    return;
  }
  for (const e of entries.filter((x) => x.isFile && x.name.endsWith(".xml"))) {
    try {
      const def = parsePoolXML(Deno.readTextFileSync(`${d.configDir}/storage/${e.name}`));
      // A reload (SIGHUP) adds the pools defined since; the known ones stay as they are.
      if (d.pools.some((p) => p.def.name === def.name || p.def.uuid === def.uuid)) continue;
      let autostart = false;
      try {
        Deno.statSync(poolAutostart(d, def.name));
        autostart = true;
      } catch {
        // No link.
      }
      let active = false;
      if (autostart) {
        try {
          active = Deno.statSync(def.target.path!).isDirectory;
        } catch {
          active = false;
        }
      }
      d.pools.push({ def, active, persistent: true, autostart });
    } catch {
      // A pool file that no longer parses is skipped.
    }
  }
}
