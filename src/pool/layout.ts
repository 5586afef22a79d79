/**
 * Every slot of the shared memory the event loop and the Workers use, as
 * named Int32 word offsets into the control SharedArrayBuffer. THREADING.md
 * describes each slot, who writes it and under which lock.
 *
 * @module
 */

// ---- Lock words ------------------------------------------------------------------------------
/**
 * A lock takes two words: the first is its state (0 free, else the owner's
 * thread id, with LOCK_WAITERS set when someone may sleep on it; see
 * src/pool/lock.ts); the second is reserved.
 */
export const LOCK_STATE = 0;

// ---- The server section (word 0 onward) --------------------------------------------------
/** The server lock: guards the job queue, job-slot links and the worker counts. */
export const S_LOCK = 0; // 2 words
/* Words 2 and 3 are reserved (a shared job condition before idle workers had their own wake words). */
/** Completion condition: bumped by a worker after it fills its mailbox; the event loop waits on it. */
export const S_DONE_SEQ = 4;
/** First and last queued job slot, or -1. */
export const S_QUEUE_HEAD = 5;
export const S_QUEUE_TAIL = 6;
/** Jobs queued (libvirt's jobQueueDepth), and how many of them are high priority. */
export const S_QUEUE_DEPTH = 7;
export const S_QUEUE_PRIO = 8;
/** Live normal workers and how many of them are idle. */
export const S_N_WORKERS = 9;
export const S_FREE_WORKERS = 10;
/** Live priority workers and how many of them are idle. */
export const S_N_PRIO = 11;
export const S_FREE_PRIO = 12;
/** Pool targets, as set by config or the admin program. */
export const S_MIN_WORKERS = 13;
export const S_MAX_WORKERS = 14;
export const S_PRIO_WORKERS = 15;
/** Set to 1 when the daemon shuts down: idle workers exit. */
export const S_SHUTDOWN = 16;
/** 1 when every lock acquisition is checked against the lock order. */
export const S_LOCK_CHECK = 17;
/** Next client id to hand out (low and high halves of a 64-bit counter are not needed yet). */
export const S_NEXT_CLIENT_ID = 18;
/** Workers spawned that have not yet counted themselves in S_N_WORKERS / S_N_PRIO. */
export const S_N_STARTING = 19;
/** Clients connected to this server, and the most it accepts (admin may lower it live). */
export const S_N_CLIENTS = 20;
export const S_MAX_CLIENTS = 21;
/** Clients waiting for authentication (SASL; event loop, atomic add), and their maximum. */
export const S_N_CLIENTS_UNAUTH = 22;
export const S_MAX_CLIENTS_UNAUTH = 23;
/** How many idle normal / priority workers are on their idle stacks (see controlWords). */
export const S_IDLE_TOP = 24;
export const S_PRIO_IDLE_TOP = 25;
/** Workers the stuck-call watchdog has reported (shown by srv-threadpool-info when non-zero). */
export const S_STUCK_WORKERS = 26;
/** 1 while the event loop polls S_DONE_SEQ for a short call's answer: a Worker publishing skips its notify. */
export const S_EL_POLLING = 27;
/**
 * Workers the event loop has popped off an idle stack and woken that have
 * not yet taken the server lock: each will take a queued job, so the pool
 * does not grow for jobs they cover.
 */
export const S_N_WOKEN = 28;
/**
 * Of S_N_WOKEN, the priority workers: each was woken for a high-priority job,
 * which normal workers leave to it (see the pick in src/pool/worker.ts).
 */
export const S_N_WOKEN_PRIO = 29;
/**
 * 1 while one client is alone: the event loop's last few calls each came
 * with no other in flight. Then the event loop polls for a short call's
 * answer and a Worker spins for the next call (see "Polling for a short
 * call" and "Spinning between calls" in THREADING.md).
 */
export const S_ALONE = 30;
/**
 * 1 while many calls are in flight (more than CROWD_INFLIGHT in
 * src/pool/pool.ts): a Worker then waits for its mailbox to be drained
 * before it stages its next batch, rather than append to it, so the event
 * loop is not flooded with replies and keeps reading every socket (see
 * "Mailboxes that append" in THREADING.md).
 */
export const S_CROWDED = 31;
export const SERVER_WORDS = 32;

// ---- Job slots ---------------------------------------------------------------------------------
export const J_STATE = 0;
export const J_NEXT = 1;
export const J_PREV = 2;
/** Index of the client record the call came from, and that record's generation then. */
export const J_CLIENT = 3;
export const J_CLIENT_GEN = 4;
/** 1 when the procedure is high priority. */
export const J_PRIO = 5;
/** Where the call packet (length word included) lies in the arena. */
export const J_DATA_OFF = 6;
export const J_DATA_LEN = 7;
/** The worker running the job, or -1. */
export const J_WORKER = 8;
/** When the job started running, in ms since the pool started (for a watchdog). */
export const J_START_MS = 9;
/**
 * How long its Worker took to run the call, µs from taking the job to
 * publishing the reply; -1 until a Worker that ran the call stores it.
 */
export const J_RUN_US = 10;
export const JOB_WORDS = 11;

export const JOB_FREE = 0;
export const JOB_QUEUED = 1;
export const JOB_RUNNING = 2;

// ---- Client records ----------------------------------------------------------------------------
export const C_LOCK = 0; // 2 words
/** References held by workers running one of the client's calls. */
export const C_REFS = 2;
/** Bumped each time the record is reused, so a stale job can tell. */
export const C_GEN = 3;
export const C_STATE = 4;
export const C_FLAGS = 5;
/** Which driver the client's connection is open on (0: none). */
export const C_DRIVER = 6;
/** Which service (socket) the client came in on: SERVICE_*. */
export const C_SERVICE = 7;
/** The daemon-wide client id (as virt-admin shows it). */
export const C_ID = 8;
/** Connection time, seconds since the epoch. */
export const C_CONN_TIME = 9;
/** The driver instance (shared state) the client's connection uses. */
export const C_INSTANCE = 10;
export const CLIENT_WORDS = 12;

export const CLIENT_FREE = 0;
export const CLIENT_OPEN = 1;
/** Disconnected or being closed: queued jobs are abandoned, running ones finish. */
export const CLIENT_CLOSING = 2;

/** The socket is read-only, or CONNECT_OPEN asked VIR_CONNECT_RO. */
export const CF_READONLY = 1 << 0;
/** CONNECT_OPEN succeeded. */
export const CF_CONN_OPEN = 1 << 1;
/** The client asked feature 10 (keepalive): the event loop starts pinging it. */
export const CF_KEEPALIVE = 1 << 2;
/** A close callback is registered. */
export const CF_CLOSE_CALLBACK = 1 << 3;
/** The daemon's own client (src/server/internal.ts): no socket; hidden from the admin program. */
export const CF_INTERNAL = 1 << 4;
/**
 * The client came in on a `sasl` service and has not authenticated yet (set
 * when the record is opened, cleared by the event loop when SASL succeeds):
 * AUTH_LIST answers SASL while it is set.
 */
export const CF_AUTH_SASL = 1 << 5;

export const SERVICE_RW = 0;
export const SERVICE_RO = 1;
export const SERVICE_ADMIN = 2;
/** The network services (`--listen`): plain TCP and TLS, both read-write. */
export const SERVICE_TCP = 3;
export const SERVICE_TLS = 4;

// ---- Worker records ----------------------------------------------------------------------------
export const W_STATE = 0;
/** 1 for a priority worker (takes only high-priority jobs). */
export const W_PRIO = 1;
/** The job being run, or -1. */
export const W_JOB = 2;
/** Bytes waiting in the worker's mailbox; 0 when the event loop has taken them. */
export const W_MAIL_LEN = 3;
/** Set by the event loop: exit when next idle. */
export const W_RETIRE = 4;
/** Calls this worker has run (for tests and the admin program). */
export const W_CALLS = 5;
/** The worker's own wake word: it sleeps on it; the event loop bumps it and notifies. */
export const W_WAKE = 6;
/** 1 while the worker sleeps waiting for its mailbox to be drained (so the drain notifies). */
export const W_MAIL_WAITING = 7;
/** 1 while the worker holds a reference on the client of W_JOB (so a dead worker's can be dropped). */
export const W_JOB_REF = 8;
/**
 * Bumped by the event loop (then notified) when it has written the answer to
 * the worker's I/O request into the worker's answer box; the worker sleeps on it.
 */
export const W_IO_SEQ = 9;
/**
 * The thread id of the isolate that owns this record, 0 when none. The event
 * loop sets it when it starts a Worker here and clears it when it ends one:
 * Deno's Worker.terminate() does not stop a thread that is blocked in
 * Atomics.wait or running synchronous code, so an ended Worker may run on, and
 * it must stop at the next lock, mailbox or I/O step once this no longer names it.
 */
export const W_OWNER = 10;
export const WORKER_WORDS = 11;

export const WORKER_FREE = 0;
export const WORKER_STARTING = 1;
export const WORKER_IDLE = 2;
export const WORKER_BUSY = 3;
export const WORKER_EXITED = 4;
/**
 * A Worker of the pool with no isolate: counted in S_N_WORKERS / S_N_PRIO and
 * S_FREE_*, on its idle stack like an idle one; the event loop starts an
 * isolate in it when it pops it for a job (see "Parked Workers" in THREADING.md).
 */
export const WORKER_PARKED = 5;

// ---- Mailbox records (bytes, in each worker's mailbox buffer) ----------------------------------
/**
 * A mailbox holds records, each: u32 kind, i32 job slot, i32 client, i32
 * client generation, u32 byte length, then the bytes padded to 4.
 */
export const MAIL_HEADER_BYTES = 20;
/** A reply packet for the job's client; the job is finished. */
export const MAIL_REPLY = 1;
/** The job was abandoned (its client went away): no packet. */
export const MAIL_DROPPED = 2;
/** A packet for a client that is not the answer to a call (an event). */
export const MAIL_MESSAGE = 3;
/** After the reply is written, close the client (CONNECT_CLOSE). */
export const MAIL_CLOSE_AFTER = 4;
/** A STREAM packet that follows the call's reply (server → client stream data). */
export const MAIL_STREAM = 5;
/** The stream's last packet (empty CONTINUE): the stream now waits for the client's finish. */
export const MAIL_STREAM_END = 6;
/** A request to the event loop (JSON): resize a pool, close a client, reconfigure logging. */
export const MAIL_CONTROL = 7;
/**
 * An I/O request (JSON) the worker's call waits on: the event loop does it (a
 * QEMU monitor command, a process to start) and answers in the worker's answer
 * box. The record's slot field holds the worker's index.
 */
export const MAIL_IO = 8;

/**
 * Sizes of the whole control buffer for the given capacities. After the
 * worker records come two idle stacks (normal, priority) of worker indices:
 * an idle worker pushes itself, the event loop pops the most recent one —
 * the warmest isolate — to wake it.
 */
export function controlWords(jobs: number, clients: number, workers: number): {
  jobBase: number;
  clientBase: number;
  workerBase: number;
  idleBase: number;
  prioIdleBase: number;
  total: number;
} {
  const jobBase = SERVER_WORDS;
  const clientBase = jobBase + jobs * JOB_WORDS;
  const workerBase = clientBase + clients * CLIENT_WORDS;
  const idleBase = workerBase + workers * WORKER_WORDS;
  const prioIdleBase = idleBase + workers;
  return { jobBase, clientBase, workerBase, idleBase, prioIdleBase, total: prioIdleBase + workers };
}
