// A test-only program (never shipped in the daemon): procedures that echo,
// block their Worker for a while, or throw, to prove the pool's behaviour.

import { declare, defineProgram, parseProcedureTable, type Program } from "../../src/protocol/program.ts";
import { opaque, struct, uint, xdrVoid } from "../../src/xdr/mod.ts";
import { VIR_NET_MESSAGE_MAX } from "../../src/rpc/constants.ts";
import type { ProgramService } from "../../src/dispatch/dispatch.ts";
import type { WorkerExtension } from "../../src/pool/worker.ts";
import type { CallContext, Handler } from "../../src/dispatch/context.ts";

export const SLEEP_PROGRAM = 0x20008fff;
export const SLEEP_PROC_ECHO = 1;
export const SLEEP_PROC_SLEEP = 2;
export const SLEEP_PROC_ECHO_HIGH = 3;
export const SLEEP_PROC_THROW = 4;
export const SLEEP_PROC_CRASH = 5;
/** Creates a store object holding the value; returns its handle. */
export const SLEEP_PROC_OBJECT_NEW = 6;
/** Takes the lock of object `value` and then crashes its Worker, the lock held. */
export const SLEEP_PROC_OBJECT_CRASH = 7;
/** Returns the value in object `value`, taken under its lock. */
export const SLEEP_PROC_OBJECT_GET = 8;
/** Asks the event loop for I/O ({op: "test.io", value}) and returns its answer's value. */
export const SLEEP_PROC_IO = 9;
/** SLEEP at high priority (libvirt's `@priority: high`): priority workers may run it. */
export const SLEEP_PROC_SLEEP_HIGH = 10;
/** Takes the lock of object `handle`, holds it `ms` milliseconds, returns the object's value. */
export const SLEEP_PROC_OBJECT_HOLD = 11;
/** Carries `data` (any size up to a packet) and sleeps `ms`: returns the data's length. */
export const SLEEP_PROC_BLOB = 12;
/**
 * At high priority: runs a full garbage collection in the Worker's isolate
 * (when V8's --expose-gc is on), then blocks `value` ms so that concurrent
 * calls land on different Workers. Answers the Worker's thread id (each
 * isolate has its own: a Worker that parked and woke has a new one), how
 * many drivers it has loaded (each is code and tables on its heap) and its
 * V8 heap in use after the collection (KiB); all 0 when it could not collect.
 */
export const SLEEP_PROC_GC_HIGH = 13;

const value = struct("sleep_value", { value: uint });
export const hold = struct("sleep_hold", { handle: uint, ms: uint });
export const gcHeap = struct("sleep_gc_heap", {
  thread: uint,
  drivers: uint,
  used: uint,
});
export const blob = struct("sleep_blob", { ms: uint, data: opaque(VIR_NET_MESSAGE_MAX) });

export const SLEEP_PROGRAM_DEF: Program = defineProgram(
  "sleep",
  SLEEP_PROGRAM,
  1,
  parseProcedureTable(`
1	ECHO	low	-	-
2	SLEEP	low	-	-
3	ECHO_HIGH	high	-	-
4	THROW	low	-	-
5	CRASH	low	-	-
6	OBJECT_NEW	low	-	-
7	OBJECT_CRASH	low	-	-
8	OBJECT_GET	low	-	-
9	IO	low	-	-
10	SLEEP_HIGH	high	-	-
11	OBJECT_HOLD	low	-	-
12	BLOB	low	-	-
13	GC_HIGH	high	-	-
`),
  [
    declare(SLEEP_PROC_ECHO, value, value),
    declare(SLEEP_PROC_SLEEP, value, value),
    declare(SLEEP_PROC_ECHO_HIGH, value, value),
    declare(SLEEP_PROC_THROW, xdrVoid, xdrVoid),
    declare(SLEEP_PROC_CRASH, xdrVoid, xdrVoid),
    declare(SLEEP_PROC_OBJECT_NEW, value, value),
    declare(SLEEP_PROC_OBJECT_CRASH, value, xdrVoid),
    declare(SLEEP_PROC_OBJECT_GET, value, value),
    declare(SLEEP_PROC_IO, value, value),
    declare(SLEEP_PROC_SLEEP_HIGH, value, value),
    declare(SLEEP_PROC_OBJECT_HOLD, hold, value),
    declare(SLEEP_PROC_BLOB, blob, value),
    declare(SLEEP_PROC_GC_HIGH, value, gcHeap),
  ],
);

/**
 * A test-only driver, `sleepdrv:///MS`: its open blocks the Worker MS
 * milliseconds, then takes a reference on one shared instance (key
 * "sleepdrv"); its close drops it, and the last close frees the instance.
 */
export const SLEEP_DRIVER_ID = 99;

/** Blocks the calling Worker's thread, as a handler stuck in a hypervisor would. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function setup(ext: WorkerExtension): void {
  const handlers = new Map<number, Handler>([
    [SLEEP_PROC_ECHO, (_: unknown, a: { value: number }) => a],
    [SLEEP_PROC_ECHO_HIGH, (_: unknown, a: { value: number }) => a],
    [SLEEP_PROC_SLEEP, (_: unknown, a: { value: number }) => {
      block(a.value);
      return a;
    }],
    [SLEEP_PROC_SLEEP_HIGH, (_: unknown, a: { value: number }) => {
      block(a.value);
      return a;
    }],
    [SLEEP_PROC_OBJECT_HOLD, (ctx: CallContext, a: { handle: number; ms: number }) => {
      using _ = ctx.env.store.objectLock(a.handle).lock();
      block(a.ms);
      return { value: ctx.env.store.readLocked<number>(a.handle) };
    }],
    [SLEEP_PROC_BLOB, (_: unknown, a: { ms: number; data: Uint8Array }) => {
      block(a.ms);
      return { value: a.data.length };
    }],
    [SLEEP_PROC_GC_HIGH, (ctx: CallContext, a: { value: number }) => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) return { thread: 0, drivers: 0, used: 0 };
      gc();
      const m = Deno.memoryUsage();
      block(a.value);
      return {
        thread: ctx.env.store.threadId,
        drivers: ext.drivers.size,
        used: Math.ceil(m.heapUsed / 1024),
      };
    }],
    [SLEEP_PROC_THROW, () => {
      throw new Error("deliberate failure in a handler");
    }],
    [SLEEP_PROC_CRASH, () => {
      // An uncaught error outside the call ends the Worker's isolate mid-call.
      setTimeout(() => {
        throw new Error("deliberate worker crash");
      }, 0);
      return new Promise(() => {});
    }],
    [SLEEP_PROC_OBJECT_NEW, (ctx: CallContext, a: { value: number }) => ({
      value: ctx.env.store.createObject(a.value),
    })],
    [SLEEP_PROC_OBJECT_CRASH, (ctx: CallContext, a: { value: number }) => {
      ctx.env.store.objectLock(a.value).lock(); // never released by this Worker
      setTimeout(() => {
        throw new Error("deliberate worker crash holding an object lock");
      }, 0);
      return new Promise(() => {});
    }],
    [SLEEP_PROC_IO, (ctx: CallContext, a: { value: number }) => ({
      value: Number(ctx.env.io({ op: "test.io", value: a.value })),
    })],
    [SLEEP_PROC_OBJECT_GET, (ctx: CallContext, a: { value: number }) => {
      using _ = ctx.env.store.objectLock(a.value).lock();
      return { value: ctx.env.store.readLocked<number>(a.value) };
    }],
  ]);
  const service: ProgramService = {
    program: SLEEP_PROGRAM_DEF,
    handler: (ctx) => handlers.get(ctx.header.proc),
  };
  ext.services.set(SLEEP_PROGRAM, service);
  ext.drivers.add({
    id: SLEEP_DRIVER_ID,
    name: "sleepdrv",
    accepts: (uri) => uri.startsWith("sleepdrv:///"),
    open(ctx, uri) {
      block(Number(uri.slice("sleepdrv:///".length)) || 0);
      return ctx.env.store.openInstance(SLEEP_DRIVER_ID, "sleepdrv", true, () => ({})).index;
    },
    close(ctx) {
      const store = ctx.env.store;
      if (store.closeInstance(ctx.client.instance)) store.releaseInstance(ctx.client.instance);
    },
    handlers: new Map(),
  });
}
