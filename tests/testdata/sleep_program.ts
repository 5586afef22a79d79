// A test-only program (never shipped in the daemon): procedures that echo,
// block their Worker for a while, or throw, to prove the pool's behaviour.

import { declare, defineProgram, parseProcedureTable, type Program } from "../../src/protocol/program.ts";
import { struct, uint, xdrVoid } from "../../src/xdr/mod.ts";
import type { ProgramService } from "../../src/dispatch/dispatch.ts";
import type { WorkerExtension } from "../../src/pool/worker.ts";
import type { Handler } from "../../src/dispatch/context.ts";

export const SLEEP_PROGRAM = 0x20008fff;
export const SLEEP_PROC_ECHO = 1;
export const SLEEP_PROC_SLEEP = 2;
export const SLEEP_PROC_ECHO_HIGH = 3;
export const SLEEP_PROC_THROW = 4;
export const SLEEP_PROC_CRASH = 5;

const value = struct("sleep_value", { value: uint });

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
`),
  [
    declare(SLEEP_PROC_ECHO, value, value),
    declare(SLEEP_PROC_SLEEP, value, value),
    declare(SLEEP_PROC_ECHO_HIGH, value, value),
    declare(SLEEP_PROC_THROW, xdrVoid, xdrVoid),
    declare(SLEEP_PROC_CRASH, xdrVoid, xdrVoid),
  ],
);

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
  ]);
  const service: ProgramService = {
    program: SLEEP_PROGRAM_DEF,
    handler: (ctx) => handlers.get(ctx.header.proc),
  };
  ext.services.set(SLEEP_PROGRAM, service);
}
