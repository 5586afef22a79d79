/**
 * Composable XDR codecs: one value per RFC 4506 type, and combinators for
 * the compound types, so protocol files declare structures, not code.
 *
 * @module
 */

import { XdrError } from "./error.ts";
import { XdrReader } from "./reader.ts";
import { XdrWriter } from "./writer.ts";

/** Encodes and decodes one XDR type. */
export interface Codec<T> {
  /** The XDR type's name, for messages and schema listings. */
  readonly name: string;
  /** What the type is made of, for tools that walk a schema (census, fuzzing). */
  readonly shape?: Shape;
  encode(w: XdrWriter, value: T): void;
  decode(r: XdrReader): T;
}

/** The structure of a compound codec. */
export type Shape =
  | { kind: "struct"; fields: Record<string, Codec<unknown>> }
  | { kind: "array"; item: Codec<unknown>; max: number }
  | { kind: "fixedArray"; item: Codec<unknown>; n: number }
  | { kind: "optional"; item: Codec<unknown> }
  | { kind: "opaque"; max: number }
  | { kind: "fixedOpaque"; n: number }
  | { kind: "string"; max: number }
  | { kind: "enum"; values: readonly number[] }
  | { kind: "union"; discriminant: Codec<number>; arms: Record<number, Codec<unknown>> };

/** The value type a codec carries. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

function codec<T>(
  name: string,
  encode: (w: XdrWriter, v: T) => void,
  decode: (r: XdrReader) => T,
  shape?: Shape,
): Codec<T> {
  return shape ? { name, shape, encode, decode } : { name, encode, decode };
}

// ---- Primitive types -------------------------------------------------------

export const int: Codec<number> = codec("int", (w, v) => w.writeInt(v), (r) => r.readInt());
export const uint: Codec<number> = codec(
  "unsigned int",
  (w, v) => w.writeUint(v),
  (r) => r.readUint(),
);
export const hyper: Codec<bigint> = codec(
  "hyper",
  (w, v) => w.writeHyper(v),
  (r) => r.readHyper(),
);
export const uhyper: Codec<bigint> = codec(
  "unsigned hyper",
  (w, v) => w.writeUhyper(v),
  (r) => r.readUhyper(),
);
export const float: Codec<number> = codec(
  "float",
  (w, v) => w.writeFloat(v),
  (r) => r.readFloat(),
);
export const double: Codec<number> = codec(
  "double",
  (w, v) => w.writeDouble(v),
  (r) => r.readDouble(),
);
export const bool: Codec<boolean> = codec(
  "bool",
  (w, v) => w.writeBool(v),
  (r) => r.readBool(),
);
export const xdrVoid: Codec<void> = codec<void>("void", () => {}, () => undefined);

/** An integer type narrower than 32 bits; XDR widens it to 4 bytes. */
function widened(name: string, min: number, max: number): Codec<number> {
  return codec(
    name,
    (w, v) => {
      if (!Number.isInteger(v) || v < min || v > max) w.fail(`${name} value ${v} is out of range`);
      w.writeInt(v);
    },
    (r) => {
      const at = r.offset;
      const v = r.readInt();
      if (v < min || v > max) r.fail(`${name} value ${v} is out of range`, at);
      return v;
    },
  );
}

/** C `char` (signed), widened to 4 bytes as rpcgen does. */
export const char: Codec<number> = widened("char", -128, 127);
/** C `unsigned char`, widened to 4 bytes. */
export const uchar: Codec<number> = widened("unsigned char", 0, 255);
/** C `short`, widened to 4 bytes. */
export const short: Codec<number> = widened("short", -32768, 32767);
/** C `unsigned short`, widened to 4 bytes. */
export const ushort: Codec<number> = widened("unsigned short", 0, 65535);

/** An enum: an int restricted to the declared values. */
export function enumeration<const V extends number>(
  name: string,
  values: readonly V[],
): Codec<V> {
  const allowed = new Set<number>(values);
  return codec<V>(
    name,
    (w, v) => {
      if (!allowed.has(v)) w.fail(`${v} is not a value of enum ${name}`);
      w.writeInt(v);
    },
    (r) => {
      const at = r.offset;
      const v = r.readInt();
      if (!allowed.has(v)) r.fail(`${v} is not a value of enum ${name}`, at);
      return v as V;
    },
    { kind: "enum", values },
  );
}

// ---- Opaque data and strings ----------------------------------------------

/** `opaque name[n]`. */
export function fixedOpaque(n: number): Codec<Uint8Array> {
  return codec(
    `opaque[${n}]`,
    (w, v) => w.writeFixedOpaque(v, n),
    (r) => r.readFixedOpaque(n),
    { kind: "fixedOpaque", n },
  );
}

/** `opaque name<max>`. */
export function opaque(max: number): Codec<Uint8Array> {
  return codec(
    `opaque<${max}>`,
    (w, v) => w.writeOpaque(v, max),
    (r) => r.readOpaque(max),
    { kind: "opaque", max },
  );
}

/** `string name<max>`, UTF-8 on the wire. */
export function string(max: number): Codec<string> {
  return codec(
    `string<${max}>`,
    (w, v) => w.writeString(v, max),
    (r) => r.readString(max),
    { kind: "string", max },
  );
}

// ---- Arrays, optional data ---------------------------------------------------

/** `T name[n]`. */
export function fixedArray<T>(item: Codec<T>, n: number): Codec<T[]> {
  return codec(
    `${item.name}[${n}]`,
    (w, v) => {
      if (!Array.isArray(v) || v.length !== n) {
        w.fail(`${item.name}[${n}] given ${v?.length} items`);
      }
      for (const x of v) item.encode(w, x);
    },
    (r) => {
      // Each item takes at least 4 bytes: refuse before allocating.
      if (n * 4 > r.remaining) {
        r.fail(`${item.name}[${n}] needs more than the ${r.remaining} bytes left`);
      }
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = item.decode(r);
      return out;
    },
    { kind: "fixedArray", item: item as Codec<unknown>, n },
  );
}

/** `T name<max>`. */
export function array<T>(item: Codec<T>, max: number): Codec<T[]> {
  const name = `${item.name}<${max}>`;
  return codec(
    name,
    (w, v) => {
      if (!Array.isArray(v)) w.fail(`${name} value is not an array`);
      if (v.length > max) w.fail(`array length ${v.length} exceeds maximum ${max}`);
      w.writeUint(v.length);
      for (const x of v) item.encode(w, x);
    },
    (r) => {
      const at = r.offset;
      const n = r.readUint();
      if (n > max) r.fail(`array length ${n} exceeds maximum ${max}`, at);
      // Every XDR item is at least 4 bytes, except void: a cheap upper bound.
      if (n * 4 > r.remaining && item !== (xdrVoid as unknown)) {
        r.fail(`array length ${n} exceeds what the ${r.remaining} bytes left can hold`, at);
      }
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = item.decode(r);
      return out;
    },
    { kind: "array", item: item as Codec<unknown>, max },
  );
}

/**
 * `T *name` (optional data). Any non-zero discriminant means present, as
 * glibc's xdr_bool does; go-libvirt sends `01 00 00 00` (16777216).
 */
export function optional<T>(item: Codec<T>): Codec<T | null> {
  return codec<T | null>(
    `${item.name}*`,
    (w, v) => {
      if (v === null || v === undefined) {
        w.writeUint(0);
      } else {
        w.writeUint(1);
        item.encode(w, v);
      }
    },
    (r) => (r.readUint() !== 0 ? item.decode(r) : null),
    { kind: "optional", item: item as Codec<unknown> },
  );
}

// ---- Structures and unions -------------------------------------------------------

type Fields = Record<string, Codec<unknown>>;
/** The object type a struct codec carries. */
export type StructOf<F extends Fields> = { -readonly [K in keyof F]: Infer<F[K]> };

/** `struct name { ... }`; fields are encoded in declaration order. */
export function struct<const F extends Fields>(name: string, fields: F): Codec<StructOf<F>> & {
  readonly fields: F;
} {
  const entries = Object.entries(fields);
  const keys = entries.map(([k]) => k);
  const codecs = entries.map(([, c]) => c);
  const n = entries.length;
  return {
    name,
    fields,
    shape: { kind: "struct", fields },
    encode(w, v) {
      if (v === null || typeof v !== "object") w.fail(`struct ${name} value is not an object`);
      const rec = v as Record<string, unknown>;
      for (let i = 0; i < n; i++) codecs[i]!.encode(w, rec[keys[i]!]);
    },
    decode(r) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[keys[i]!] = codecs[i]!.decode(r);
      return out as StructOf<F>;
    },
  };
}

type Arms = Record<number, Codec<unknown>>;
/** The value of a discriminated union: the discriminant and the arm's value. */
export type UnionOf<A extends Arms, D = never> =
  | { [K in keyof A & number]: { tag: K; value: Infer<A[K]> } }[keyof A & number]
  | ([D] extends [never] ? never : { tag: number; value: D });

/**
 * `union name switch (int|unsigned int|enum|bool d) { case ...; default: ... }`.
 * A discriminant with no arm and no default is a decode error.
 */
export function union<const A extends Arms, D = never>(
  name: string,
  discriminant: Codec<number>,
  arms: A,
  defaultArm?: Codec<D>,
): Codec<UnionOf<A, D>> {
  const table = new Map<number, Codec<unknown>>();
  for (const [k, c] of Object.entries(arms)) table.set(Number(k), c);
  const pick = (tag: number): Codec<unknown> | undefined => table.get(tag) ?? defaultArm;
  return codec<UnionOf<A, D>>(
    name,
    (w, v) => {
      const arm = pick(v.tag);
      if (arm === undefined) return w.fail(`${v.tag} is not a case of union ${name}`);
      discriminant.encode(w, v.tag);
      arm.encode(w, v.value);
    },
    (r) => {
      const at = r.offset;
      const tag = discriminant.decode(r);
      const arm = pick(tag);
      if (arm === undefined) return r.fail(`${tag} is not a case of union ${name}`, at);
      return { tag, value: arm.decode(r) } as UnionOf<A, D>;
    },
    { kind: "union", discriminant, arms: arms as Record<number, Codec<unknown>> },
  );
}

/** A named alias for a codec (XDR `typedef`). */
export function typedef<T>(name: string, of: Codec<T>): Codec<T> {
  return of.shape
    ? { name, shape: of.shape, encode: of.encode, decode: of.decode }
    : { name, encode: of.encode, decode: of.decode };
}

// ---- Whole buffers ----------------------------------------------------------------

/** Encodes one value into a new exactly sized buffer. */
export function encode<T>(c: Codec<T>, value: T): Uint8Array {
  const w = new XdrWriter();
  c.encode(w, value);
  return w.toBytes();
}

/**
 * Decodes one value from `bytes`. With `exact`, bytes left over are an error;
 * without, they are ignored (libvirtd ignores trailing bytes after a call's
 * arguments).
 */
export function decode<T>(c: Codec<T>, bytes: Uint8Array, opts: { exact?: boolean } = {}): T {
  const r = new XdrReader(bytes);
  const v = c.decode(r);
  if (opts.exact && r.remaining !== 0) {
    throw new XdrError(r.offset, `${r.remaining} bytes left after ${c.name}`);
  }
  return v;
}
