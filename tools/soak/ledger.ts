// The soak's account of one connection's calls: every serial sent, and for
// each reply whether it answers a call still waiting — so a call answered
// twice, a reply to a call never made, a reply naming another procedure, or
// a call never answered is reported, not lost in the load.

/** A call sent and not answered yet. */
export interface PendingCall {
  serial: number;
  prog: number;
  proc: number;
  /** What the call was, for reports (e.g. `GET_INFO`). */
  what: string;
  /** performance.now() when it was sent. */
  sentAt: number;
  /** Reported as unanswered for too long already (reported once). */
  stale?: boolean;
  /** performance.now() when its answer came. */
  answeredAt?: number;
}

/**
 * Serials are handed out in order from 0 on each connection, so a reply's
 * serial below the next one that is not pending was answered before: no
 * set of answered serials need be kept, however long the connection lives.
 */
export class CallLedger {
  #next = 0;
  readonly #pending = new Map<number, PendingCall>();
  /** The calls answered, so a second answer can say what the call was (a connection's life is bounded). */
  readonly #answered = new Map<number, PendingCall>();
  readonly #abandonedSerials = new Set<number>();
  readonly #problem: (text: string) => void;
  sent = 0;
  answered = 0;
  /** Calls in flight when the connection was dropped on purpose: exempt from the count. */
  abandoned = 0;

  constructor(problem: (text: string) => void) {
    this.#problem = problem;
  }

  /** Records a call about to be sent; returns its serial. */
  send(prog: number, proc: number, what: string): number {
    const serial = this.#next++;
    this.#pending.set(serial, { serial, prog, proc, what, sentAt: performance.now() });
    this.sent++;
    return serial;
  }

  /**
   * Records a reply. Returns the call it answers, or null — after reporting
   * why — when it answers none: a second reply, a serial never sent, or a
   * reply whose program or procedure is not the call's. `said` describes the
   * reply for the report.
   */
  answer(
    serial: number,
    prog: number,
    proc: number,
    said: () => string = () => "",
  ): PendingCall | null {
    const call = this.#pending.get(serial);
    if (!call) {
      const first = this.#answered.get(serial);
      this.#problem(
        serial < this.#next && serial >= 0
          ? `serial ${serial} answered twice, now as proc ${proc} (${said()})` +
            (first
              ? `; it was ${first.what}, sent ${
                Math.round(performance.now() - first.sentAt)
              } ms ago, answered ${Math.round(performance.now() - first.answeredAt!)} ms ago`
              : "")
          : `a reply to serial ${serial} (proc ${proc}, ${said()}), which was never sent`,
      );
      return null;
    }
    this.#pending.delete(serial);
    this.answered++;
    call.answeredAt = performance.now();
    this.#answered.set(serial, call);
    if (call.prog !== prog || call.proc !== proc) {
      this.#problem(
        `serial ${serial} (${call.what}) answered as program ${
          prog.toString(16)
        } proc ${proc} (${said()})`,
      );
      return null;
    }
    return call;
  }

  /**
   * Whether `serial` was in flight when the connection was dropped on
   * purpose: its reply may still be read from what the socket had buffered.
   */
  wasAbandoned(serial: number): boolean {
    return this.#abandonedSerials.has(serial);
  }

  /** Calls sent and not answered. */
  get inflight(): number {
    return this.#pending.size;
  }

  /** The calls not answered for `ms` that were not reported yet (each is reported once). */
  stale(ms: number, now = performance.now()): PendingCall[] {
    const out: PendingCall[] = [];
    for (const c of this.#pending.values()) {
      if (!c.stale && now - c.sentAt > ms) {
        c.stale = true;
        out.push(c);
      }
    }
    return out;
  }

  /** The connection was dropped on purpose with calls in flight: they need no answer. */
  abandon(): number {
    const n = this.#pending.size;
    for (const s of this.#pending.keys()) this.#abandonedSerials.add(s);
    this.abandoned += n;
    this.#pending.clear();
    return n;
  }

  /** The connection ended while calls waited for an answer that must come: each is reported. */
  unanswered(why: string): number {
    const n = this.#pending.size;
    for (const c of this.#pending.values()) {
      this.#problem(`serial ${c.serial} (${c.what}) never answered: ${why}`);
    }
    this.#pending.clear();
    return n;
  }
}
