/**
 * Typed handler registration: a handler's argument and result types come
 * from its procedure's codecs in the program definition (src/protocol/), as
 * libvirt's generated dispatch stubs take theirs from remote_protocol.x. A
 * handler whose arguments or result drift from the schema fails `deno check`.
 *
 * @example
 * ```ts
 * const on = handlersWith(REMOTE_PROGRAM_DEF, (ctx) => new TestConn(ctx));
 * const entry = on(REMOTE_PROC_DOMAIN_GET_INFO, (c, a) => c.domainInfo(a.dom));
 * ```
 *
 * @module
 */

import type { CallContext, Handler } from "./context.ts";
import type { Declaration, Program } from "../protocol/program.ts";

/** The argument type of a declaration. */
// deno-lint-ignore no-explicit-any
export type ArgsOf<D> = D extends Declaration<number, infer A, any> ? A : never;
/** The result type of a declaration. */
// deno-lint-ignore no-explicit-any
export type ResultOf<D> = D extends Declaration<number, any, infer R> ? R : never;

/** A procedure number and its handler, as drivers list them. */
export type HandlerEntry = readonly [number, Handler];

/** Registers a handler for one procedure of the procedure map `M`, given a `C` per call. */
export type Registrar<M, C> = <P extends keyof M & number>(
  proc: P,
  fn: (c: C, args: ArgsOf<M[P]>) => ResultOf<M[P]> | Promise<ResultOf<M[P]>>,
) => HandlerEntry;

/** Handlers of `program`'s procedures that take the call's context. */
export function handlersOf<M>(_program: Program<M>): Registrar<M, CallContext> {
  return (proc, fn) => [proc, fn as Handler];
}

/**
 * Handlers of `program`'s procedures over a connection object made for each
 * call (a driver's TestConn or QemuConn), whose `flush()`, if it has one,
 * sends the events the call raised once the handler has returned.
 */
export function handlersWith<M, C extends object>(
  _program: Program<M>,
  conn: (ctx: CallContext) => C,
): Registrar<M, C> {
  return (proc, fn) => [proc, (ctx, args) => {
    const c = conn(ctx);
    try {
      return fn(c, args);
    } finally {
      (c as { flush?(): void }).flush?.();
    }
  }];
}
