import { AsyncLocalStorage } from 'node:async_hooks';

/** Marks the async context of a transaction's callback (see `inTransactionScope`). */
const transactionScope = new AsyncLocalStorage<true>();

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
 * A FIFO lock over the single PGlite session. Kysely and the job queue both take it, so a
 * statement of one can never land inside the other's open transaction.
 */
export class ConnectionLock {
  #tail: Promise<void> = Promise.resolve();

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
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
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
}
