/**
 * One client's SASL negotiation as libvirtd's remote dispatcher runs it
 * (remoteDispatchAuthSaslInit/Start/Step): INIT opens a session and lists
 * the mechanisms, START picks one with the client's first message, STEP
 * carries the rest; any failure is "authentication failed" and ends the
 * session, and success checks sasl_allowed_username_list. The mechanisms are
 * SCRAM-SHA-256 and SCRAM-SHA-1 (src/transport/scram.ts), which have no
 * security layer: on a channel that is not already private (plain TCP)
 * libvirtd asks SASL for a security strength of 56, which SCRAM does not
 * reach, so INIT finds no mechanism and fails — and so does this.
 *
 * @module
 */

import { matchAny } from "../util/pattern.ts";
import { log } from "../log.ts";
import { SCRAM_MECHANISMS, ScramError, type ScramMechanism, ScramServer } from "./scram.ts";
import { lookupVerifier } from "./sasl_users.ts";

const logger = log("transport", "sasl");

export interface SaslOptions {
  /** The channel is private already (a Unix socket or TLS): SCRAM may be offered. */
  secure: boolean;
  /** The user database (src/transport/sasl_users.ts). */
  usersFile: string;
  /** sasl_allowed_username_list (empty: every user in the database). */
  allowedUsers: readonly string[];
  /** The daemon's secret for unknown users' fake salts. */
  secret: Uint8Array;
}

/** What START and STEP answer: more to exchange, or done; `data` null is SASL's "no data". */
export interface SaslReply {
  complete: boolean;
  data: Uint8Array | null;
}

/** A refused step; the client gets libvirt's "authentication failed" and the reason is logged. */
export class SaslRefused extends Error {
  override readonly name = "SaslRefused";
}

const utf8e = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: true });

export class SaslSession {
  readonly #opts: SaslOptions;
  /** libvirtd's priv->sasl: INIT creates it, a failure or the end of the exchange drops it. */
  #state: "none" | "listed" | "first" | "final" | "done" = "none";
  #scram: ScramServer | null = null;
  /** The authenticated user, once the exchange succeeded. */
  identity: string | null = null;

  constructor(opts: SaslOptions) {
    this.#opts = opts;
  }

  get done(): boolean {
    return this.#state === "done";
  }

  /** AUTH_SASL_INIT: the mechanisms, comma-separated. */
  init(): string {
    if (this.#state !== "none") throw new SaslRefused("client tried invalid SASL init request");
    if (!this.#opts.secure) {
      // libvirtd's minimum SSF of 56 on a plain channel: no mechanism qualifies.
      throw new SaslRefused(
        "no SASL mechanism offers a security layer on this unencrypted channel",
      );
    }
    this.#state = "listed";
    return SCRAM_MECHANISMS.join(",");
  }

  /** AUTH_SASL_START: the client's mechanism and first message (null: none yet). */
  async start(mech: string, data: Uint8Array | null): Promise<SaslReply> {
    if (this.#state !== "listed") {
      this.#drop();
      throw new SaslRefused("client tried invalid SASL start request");
    }
    if (!SCRAM_MECHANISMS.includes(mech as ScramMechanism)) {
      this.#drop();
      throw new SaslRefused(`SASL mechanism ${mech} is not offered`);
    }
    const m = mech as ScramMechanism;
    this.#scram = new ScramServer(m, {
      lookup: (user) => lookupVerifier(this.#opts.usersFile, user, m),
      secret: this.#opts.secret,
    });
    this.#state = "first";
    // SCRAM is client-first; a client that sent nothing gets an empty challenge.
    if (data === null || data.length === 0) return { complete: false, data: new Uint8Array(0) };
    return await this.#exchange(data);
  }

  /** AUTH_SASL_STEP: the client's next message. */
  async step(data: Uint8Array | null): Promise<SaslReply> {
    if (this.#state !== "first" && this.#state !== "final") {
      this.#drop();
      throw new SaslRefused("client tried invalid SASL step request");
    }
    return await this.#exchange(data ?? new Uint8Array(0));
  }

  async #exchange(data: Uint8Array): Promise<SaslReply> {
    const scram = this.#scram!;
    try {
      const text = utf8d.decode(data);
      if (this.#state === "first") {
        const out = await scram.first(text);
        this.#state = "final";
        return { complete: false, data: utf8e.encode(out) };
      }
      const out = await scram.final(text);
      if (scram.authzid !== "" && scram.authzid !== scram.user) {
        throw new SaslRefused(
          `SASL user '${scram.user}' may not act as '${scram.authzid}'`,
        );
      }
      if (this.#opts.allowedUsers.length > 0 && !matchAny(this.#opts.allowedUsers, scram.user)) {
        throw new SaslRefused(
          `SASL client identity '${scram.user}' not allowed by sasl_allowed_username_list`,
        );
      }
      this.identity = scram.user;
      this.#state = "done";
      this.#scram = null;
      return { complete: true, data: utf8e.encode(out) };
    } catch (e) {
      this.#drop();
      if (e instanceof ScramError || e instanceof TypeError) {
        throw new SaslRefused(`SASL ${scram.mechanism} exchange failed: ${e.message}`);
      }
      throw e;
    }
  }

  #drop(): void {
    if (this.#state !== "done") this.#state = "none";
    this.#scram = null;
  }
}

/** Logs why a client was refused, as libvirtd logs it (the client only hears "authentication failed"). */
export function logRefusal(client: number, e: Error): void {
  logger.warn("client {id}: authentication failed: {why}", { id: client, why: e.message });
}
