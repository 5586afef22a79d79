/**
 * libvirt errors as they cross the wire: the remote_error payload
 * (virNetMessageError) and VirError, the exception a handler throws to have
 * one sent.
 *
 * @module
 */

import {
  type Codec,
  fixedOpaque,
  int,
  optional,
  string,
  struct,
  type XdrReader,
  type XdrWriter,
} from "../xdr/mod.ts";
import { VIR_NET_MESSAGE_STRING_MAX } from "./constants.ts";
import {
  VIR_ERR_ERROR,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_RPC,
  VIR_FROM_RPC,
} from "./error_codes.ts";
import { VIR_ERROR_TEMPLATES } from "./error_messages.ts";

const nonnullString = string(VIR_NET_MESSAGE_STRING_MAX);
const nullableString = optional(nonnullString);

/** virNetMessageDomain: the (always NULL in practice) domain of an error. */
export const virNetMessageDomain = struct("virNetMessageDomain", {
  name: nonnullString,
  uuid: fixedOpaque(16),
  id: int,
});

/** virNetMessageNetwork: the (always NULL in practice) network of an error. */
export const virNetMessageNetwork = struct("virNetMessageNetwork", {
  name: nonnullString,
  uuid: fixedOpaque(16),
});

/** virNetMessageError, a.k.a. remote_error. */
export const remote_error = struct("remote_error", {
  code: int,
  domain: int,
  message: nullableString,
  level: int,
  dom: optional(virNetMessageDomain),
  str1: nullableString,
  str2: nullableString,
  str3: nullableString,
  int1: int,
  int2: int,
  net: optional(virNetMessageNetwork),
});

export type RemoteError = ReturnType<typeof remote_error.decode>;

/** The parts of a libvirt error a caller chooses; the rest take libvirt's defaults. */
export interface VirErrorInit {
  code: number;
  domain: number;
  /** The format template, e.g. `internal error: %s`, sent as str1. */
  str1: string;
  /** The detail substituted into the template, sent as str2. */
  str2?: string | null;
  str3?: string | null;
  int1?: number;
  int2?: number;
  level?: number;
}

/** Substitutes each `%s` of a libvirt template with the given detail. */
export function formatTemplate(template: string, detail: string | null | undefined): string {
  return detail == null ? template : template.replaceAll("%s", detail);
}

/**
 * A libvirt error to be sent as a remote_error. Carries what libvirtd sends:
 * code, domain, the formatted message, the template (str1), the detail
 * (str2), level 2, int1 = int2 = -1 unless set.
 */
export class VirError extends Error {
  override readonly name = "VirError";
  readonly code: number;
  readonly domain: number;
  readonly level: number;
  readonly str1: string;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;

  constructor(init: VirErrorInit) {
    super(formatTemplate(init.str1, init.str2));
    this.code = init.code;
    this.domain = init.domain;
    this.level = init.level ?? VIR_ERR_ERROR;
    this.str1 = init.str1;
    this.str2 = init.str2 ?? null;
    this.str3 = init.str3 ?? null;
    this.int1 = init.int1 ?? -1;
    this.int2 = init.int2 ?? -1;
  }

  /**
   * The error libvirt raises for `code` in `domain`: its template for that
   * code (with or without a detail) in str1, the detail in str2.
   */
  static of(code: number, domain: number, detail?: string | null): VirError {
    const t = VIR_ERROR_TEMPLATES.get(code);
    const str1 = t ? (detail == null ? t[0] : t[1]) : (detail == null ? "unknown error" : "%s");
    return new VirError({ code, domain, str1, str2: detail ?? null });
  }

  /**
   * A public API's argument check (virCheck…Arg, VIR_EXCLUSIVE_FLAGS, …):
   * code 8 with the bare message, the function in str1, the argument in
   * str2 and 0 in int1/int2 (virRaiseErrorFull, not virReportError).
   */
  static argument(domain: number, fn: string, arg: string, message: string): VirError {
    const e = new VirError({
      code: VIR_ERR_INVALID_ARG,
      domain,
      str1: fn,
      str2: arg,
      int1: 0,
      int2: 0,
    });
    e.message = message;
    return e;
  }

  /** An RPC-layer error (code 39, domain 7, template `%s`). */
  static rpc(message: string): VirError {
    return new VirError({ code: VIR_ERR_RPC, domain: VIR_FROM_RPC, str1: "%s", str2: message });
  }

  /** `internal error: …` in the given domain. */
  static internal(domain: number, detail: string): VirError {
    return new VirError({
      code: VIR_ERR_INTERNAL_ERROR,
      domain,
      str1: "internal error: %s",
      str2: detail,
    });
  }

  /** Rebuilds an error from a decoded remote_error (e.g. in a client). */
  static fromRemote(e: RemoteError): VirError {
    const err = new VirError({
      code: e.code,
      domain: e.domain,
      str1: e.str1 ?? e.message ?? "",
      str2: e.str2,
      str3: e.str3,
      int1: e.int1,
      int2: e.int2,
      level: e.level,
    });
    if (e.message !== null && e.message !== err.message) err.message = e.message;
    return err;
  }

  toRemote(): RemoteError {
    return {
      code: this.code,
      domain: this.domain,
      message: this.message,
      level: this.level,
      dom: null,
      str1: this.str1,
      str2: this.str2,
      str3: this.str3,
      int1: this.int1,
      int2: this.int2,
      net: null,
    };
  }
}

/** The remote_error codec, for places that take a Codec. */
export const remoteErrorCodec: Codec<RemoteError> = remote_error;

/** Writes a VirError as a remote_error payload. */
export function writeVirError(w: XdrWriter, err: VirError): void {
  remote_error.encode(w, err.toRemote());
}

/** Reads a remote_error payload. */
export function readRemoteError(r: XdrReader): RemoteError {
  return remote_error.decode(r);
}

/**
 * The error libvirtd sends when a driver call fails without setting an error (e.g. the test
 * driver's node free pages): code 1 in VIR_FROM_RPC, no str1..str3, int1 = int2 = 0.
 */
export function remoteErrorNotSet(): VirError {
  const e = new VirError({
    code: VIR_ERR_INTERNAL_ERROR,
    domain: VIR_FROM_RPC,
    str1: "",
    int1: 0,
    int2: 0,
  });
  e.message = "Library function returned error but did not set virError";
  // VirError has no way to say "no str1"; libvirtd sends NULL here.
  Object.assign(e, { str1: null });
  return e;
}
