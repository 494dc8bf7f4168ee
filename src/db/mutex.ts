import { AsyncLocalStorage } from 'node:async_hooks';

/** Marks the async context of a transaction's callback (see `inTransactionScope`). */
const transactionScope = new AsyncLocalStorage<true>();

/** Marks the async context of background work: jobs, not requests (see `inBackground`). */
const backgroundScope = new AsyncLocalStorage<true>();

/**
 * How long the connection must have been free of foreground work before background work takes
 * it. A request runs its statements one after another with a little JavaScript between them;
 * waiting for a short quiet gap lets all of them run before the next background batch instead of
 * one batch between each two of them.
 */
const QUIET_MS = 10;
/** The longest a background statement defers to foreground work, so jobs always progress. */
const MAX_DEFER_MS = 100;

/**
 * Runs a transaction callback marked as such, so that a nested request for the single PGlite
 * connection from inside it fails at once instead of waiting forever.
 * @param fn the transaction body
 * @returns what `fn` returns
 */
export function inTransactionScope<T>(fn: () => Promise<T>): Promise<T> {
  return transactionScope.run(true, fn);
}

/**
 * Runs background work (a job) marked as such: on the embedded database its statements give way
 * to requests' statements, so a long job slows requests by one of its batches at most.
 * @param fn the work
 * @returns what `fn` returns
 */
export function inBackground<T>(fn: () => Promise<T>): Promise<T> {
  return backgroundScope.run(true, fn);
}

interface Waiter {
  grant: () => void;
  since: number;
}

/**
 * The lock over the single PGlite session. Kysely and the job queue both take it, so a statement
 * of one can never land inside the other's open transaction.
 *
 * Foreground work (requests, the queue's own polling) is served first, in arrival order;
 * background work (inside `inBackground`) waits until the connection has been free of
 * foreground work for QUIET_MS, then in arrival order too — but a background statement that has
 * waited MAX_DEFER_MS goes next whatever is queued, so jobs always progress.
 */
export class ConnectionLock {
  #held = false;
  #foreground: Waiter[] = [];
  #background: Waiter[] = [];
  /** When foreground work last held the connection (ms, monotonic). */
  #foregroundAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  readonly #quietMs: number;
  readonly #maxDeferMs: number;

  /**
   * @param timing the quiet gap background work waits for and the longest it defers (tests)
   */
  constructor(timing: { quietMs?: number; maxDeferMs?: number } = {}) {
    this.#quietMs = timing.quietMs ?? QUIET_MS;
    this.#maxDeferMs = timing.maxDeferMs ?? MAX_DEFER_MS;
  }

  /**
   * Waits for the lock.
   * @returns a function that releases it
   * @throws Error when called from inside a transaction body: that can only deadlock, because the
   *   transaction holds the one connection (use the transaction object, not the root database)
   */
  async acquire(): Promise<() => void> {
    if (transactionScope.getStore()) {
      throw new Error(
        'Database access outside the open transaction: pass the transaction (trx) to the query or job instead of the root database.',
      );
    }
    const background = backgroundScope.getStore() === true;
    await new Promise<void>((grant) => {
      (background ? this.#background : this.#foreground).push({ grant, since: performance.now() });
      this.#dispatch();
    });
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      if (!background) {
        this.#foregroundAt = performance.now();
      }
      this.#held = false;
      this.#dispatch();
    };
  }

  /**
   * Runs `fn` while holding the lock.
   * @param fn the work to run exclusively
   * @returns what `fn` returns
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Hands the free connection to the next waiter that may have it now. */
  #dispatch(): void {
    if (this.#held) {
      return;
    }
    // A background statement that has deferred long enough goes first, even before queued
    // foreground ones: foreground work that never pauses cannot stop a job.
    const overdue = this.#background[0];
    if (overdue && performance.now() - overdue.since >= this.#maxDeferMs) {
      this.#background.shift();
      this.#held = true;
      overdue.grant();
      return;
    }
    const foreground = this.#foreground.shift();
    if (foreground) {
      this.#held = true;
      this.#foregroundAt = performance.now();
      foreground.grant();
      return;
    }
    const background = this.#background[0];
    if (!background) {
      return;
    }
    const now = performance.now();
    const wait = Math.min(this.#foregroundAt + this.#quietMs - now, background.since + this.#maxDeferMs - now);
    if (wait <= 0) {
      this.#background.shift();
      this.#held = true;
      background.grant();
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#dispatch();
      }, Math.ceil(wait));
    }
  }
}
