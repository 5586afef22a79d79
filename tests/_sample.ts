// Sample arguments for any procedure, built from its schema: handles of
// test:///default's default objects, plausible counts, empty strings and
// lists. Used by the census and by tests that call every procedure.

import type { Codec } from "../src/xdr/mod.ts";
import { uuidFromString } from "../src/util/uuid.ts";

const u = (s: string) => uuidFromString(s)!;

/** Handles of test:///default's default objects, so calls reach real objects. */
const HANDLES: Record<string, unknown> = {
  remote_nonnull_domain: { name: "test", uuid: u("6695eb01-f6a4-8304-79aa-97f2502e193f"), id: 1 },
  remote_nonnull_network: { name: "default", uuid: u("dd8fe884-6c02-601e-7551-cca97df1c5df") },
  remote_nonnull_storage_pool: {
    name: "default-pool",
    uuid: u("dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"),
  },
  remote_nonnull_interface: { name: "eth1", mac: "aa:bb:cc:dd:ee:ff" },
  remote_nonnull_node_device: { name: "computer" },
  remote_nonnull_storage_vol: { pool: "default-pool", name: "vol", key: "/default-pool/vol" },
};

const COUNTS: Record<string, number> = {
  maxnames: 100,
  maxids: 100,
  maxuuids: 100,
  maxcells: 2,
  maxCells: 2,
  need_results: 1,
};

/** A plausible value for a field of the given codec. */
export function sample(c: Codec<unknown>, field = ""): unknown {
  const h = HANDLES[c.name];
  if (h) return h;
  const s = c.shape;
  if (!s) {
    if (c.name === "hyper" || c.name === "unsigned hyper") return 0n;
    if (c.name === "bool") return false;
    if (c.name === "void") return undefined;
    if (c.name === "float" || c.name === "double") return 0;
    return COUNTS[field] ?? 0;
  }
  switch (s.kind) {
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(s.fields)) out[k] = sample(f, k);
      return out;
    }
    case "string":
      return field === "name" ? "test" : field === "arch" ? "x86_64" : "";
    case "array":
      return [];
    case "fixedArray":
      return Array.from({ length: s.n }, () => sample(s.item));
    case "optional":
      return null;
    case "opaque":
      return new Uint8Array();
    case "fixedOpaque":
      return new Uint8Array(s.n);
    case "enum":
      return s.values[0];
    case "union": {
      const tag = Number(Object.keys(s.arms)[0]);
      return { tag, value: sample(s.arms[tag]!) };
    }
  }
}
