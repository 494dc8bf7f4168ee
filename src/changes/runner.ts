import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import { AppError, type FieldProblem } from '../core/errors.ts';
import { constraintError } from '../db/constraint-errors.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/**
 * What one item of a command came to: a stable code with parameters (for any protocol to word),
 * and the item's state before and after (enough to show the change and to reverse it).
 */
export interface ItemOutcome<S> {
  /** The item's position in the command's input. */
  index: number;
  status: 'applied' | 'unchanged' | 'failed';
  /** `users.updated`, `groups.created`…, or the error's code (`groups.removed_users`) when failed. */
  code: string;
  params: Record<string, string | number>;
  /** A failure's message, in English (adapters may word the code themselves). */
  message?: string;
  /** A failure's HTTP-like status (403, 404, 409, 422) and its field problems. */
  httpStatus?: number;
  problems?: FieldProblem[];
  /** A failure's extra data (`deficits` of `licenses.insufficient`). */
  extra?: Record<string, unknown>;
  before: S | null;
  after: S | null;
}

/** What an item's function answers when it succeeds. */
export type Applied<S> = Omit<ItemOutcome<S>, 'index' | 'message' | 'httpStatus' | 'problems' | 'extra'>;

/** The transaction an item runs in, and a context whose services join it. */
export interface RunScope {
  trx: Transaction<DB>;
  ctx: AppContext;
}

/** How a command runs its items. */
export interface RunOptions {
  /** Apply every item, answer what would have happened, and roll everything back. */
  dryRun?: boolean;
  /** All items or none: the first failure is thrown (as one REST request answers). */
  atomic?: boolean;
  /**
   * Asked before each attempt of an item (by its index): an error refuses it at once, unapplied.
   * For a caller that learns during the run that items cannot succeed (a product with no seat
   * left), so they are not tried again and again while the runner looks for the failing ones.
   */
  refuse?: (index: number) => AppError | undefined;
  /** Told of each item that failed, as soon as it has (not for an atomic run, which throws). */
  onFailed?: (outcome: ItemOutcome<unknown>) => void;
  /**
   * The run is part of an attempt that its caller rolls back as a whole when the run throws (an
   * item, or a set-based attempt, of another run): an atomic run inside the caller's transaction
   * then takes no savepoint of its own. Ignored for a dry run and for a run that is not atomic.
   */
  partOfAttempt?: boolean;
}

/**
 * `runItems` for a set-based command: `applyAll` applies any list of items, and a single item is
 * the list of one.
 * @returns one outcome per item, in input order
 */
export function runSetBased<I, S>(
  ctx: AppContext,
  items: I[],
  applyAll: (scope: RunScope, items: I[]) => Promise<Applied<S>[]>,
  options: RunOptions = {},
): Promise<ItemOutcome<S>[]> {
  return runItems(
    ctx,
    items,
    async (scope, item) => {
      const [only] = await applyAll(scope, [item]);
      if (!only) {
        throw new Error('a set-based command answered no outcome');
      }
      return only;
    },
    { ...options, applyAll },
  );
}

class DryRunRollback extends Error {}

/**
 * The one runner of many-item changes. All items run in one transaction (the caller's, when its
 * context already is one), so seats are counted across them; each item runs in its own savepoint,
 * so a failing item changes nothing and the others go on. A dry run applies every item for real
 * and rolls everything back, answering what would have happened.
 *
 * Set-based commands pass `applyAll`: the whole list is tried at once first; when that fails, each
 * half is tried the same way, so k failing items among n cost about k·log2(n) set-based attempts
 * instead of n single ones, and a single item is applied by `applyOne`. A run on its own (not in
 * a caller's transaction) tries the whole list in a transaction with no savepoint, and only when
 * that fails looks for the failing items in a new transaction, each attempt in a savepoint.
 *
 * An `atomic` run is all or nothing across its items, as one REST request is: the items are
 * applied together (`applyAll`, else one after the other) and the first failure is thrown as the
 * AppError it is (its status, field problems and details intact), rolling every item back.
 * @param ctx the app (or a context inside a transaction)
 * @param items the command's items
 * @param applyOne applies one item
 * @param options `dryRun`; `atomic`; `applyAll` for set-based commands; `partOfAttempt`
 * @returns one outcome per item, in input order
 * @throws whatever is not an AppError (a bug is not an item's failure)
 */
export async function runItems<I, S>(
  ctx: AppContext,
  items: I[],
  applyOne: (scope: RunScope, item: I, index: number) => Promise<Applied<S>>,
  options: RunOptions & { applyAll?: (scope: RunScope, items: I[]) => Promise<Applied<S>[]> } = {},
): Promise<ItemOutcome<S>[]> {
  let outcomes: ItemOutcome<S>[] = [];
  const { applyAll } = options;
  // Set-based, on its own: the whole list is first tried in a transaction of its own with no
  // savepoint (one transaction when every item succeeds, the common case); when that fails, it
  // is rolled back and the failing items are looked for in a new one, halves first.
  let wholeFailed = false;
  if (
    applyAll &&
    !options.atomic &&
    !ctx.db.isTransaction &&
    items.length > 1 &&
    !items.some((_, index) => options.refuse?.(index))
  ) {
    try {
      await transaction(ctx.db, async (trx) => {
        const applied = await applyAll({ trx, ctx: { ...ctx, db: trx } }, items);
        outcomes = applied.map((outcome, index) => ({ index, ...outcome }));
        if (options.dryRun) {
          throw new DryRunRollback();
        }
      });
      return outcomes;
    } catch (error) {
      if (error instanceof DryRunRollback) {
        return outcomes;
      }
      if (!(constraintError(error) ?? error instanceof AppError)) {
        throw error;
      }
      wholeFailed = true;
    }
  }
  const body = async (trx: Transaction<DB>) => {
    const scope: RunScope = { trx, ctx: { ...ctx, db: trx } };
    outcomes = options.atomic
      ? await applyAtomically(scope, items, applyOne, applyAll)
      : await applyItems(scope, items, applyOne, applyAll, options, wholeFailed);
    if (options.dryRun) {
      throw new DryRunRollback();
    }
  };
  try {
    if (ctx.db.isTransaction && options.atomic && options.partOfAttempt && !options.dryRun) {
      // The caller rolls back its whole attempt when this throws: no savepoint of the run's own.
      await body(ctx.db as Transaction<DB>);
    } else if (ctx.db.isTransaction) {
      // Inside the caller's transaction: a dry run rolls back to a savepoint of its own.
      const trx = ctx.db as Transaction<DB>;
      await sql`savepoint change_run`.execute(trx);
      try {
        await body(trx);
        await sql`release savepoint change_run`.execute(trx);
      } catch (error) {
        await sql`rollback to savepoint change_run`.execute(trx);
        await sql`release savepoint change_run`.execute(trx);
        throw error;
      }
    } else {
      await transaction(ctx.db, body);
    }
  } catch (error) {
    if (!(error instanceof DryRunRollback)) {
      throw error;
    }
  }
  return outcomes;
}

async function applyAtomically<I, S>(
  scope: RunScope,
  items: I[],
  applyOne: (scope: RunScope, item: I, index: number) => Promise<Applied<S>>,
  applyAll: ((scope: RunScope, items: I[]) => Promise<Applied<S>[]>) | undefined,
): Promise<ItemOutcome<S>[]> {
  if (applyAll && items.length > 1) {
    return (await applyAll(scope, items)).map((outcome, index) => ({ index, ...outcome }));
  }
  const outcomes: ItemOutcome<S>[] = [];
  for (const [index, item] of items.entries()) {
    outcomes.push({ index, ...(await applyOne(scope, item, index)) });
  }
  return outcomes;
}

async function applyItems<I, S>(
  scope: RunScope,
  items: I[],
  applyOne: (scope: RunScope, item: I, index: number) => Promise<Applied<S>>,
  applyAll: ((scope: RunScope, items: I[]) => Promise<Applied<S>[]>) | undefined,
  hooks: Pick<RunOptions, 'refuse' | 'onFailed'>,
  wholeFailed: boolean,
): Promise<ItemOutcome<S>[]> {
  const outcomes = await applyPart(
    scope,
    items.map((item, index) => ({ item, index })),
    applyOne,
    applyAll,
    hooks,
    !wholeFailed,
  );
  return outcomes.sort((a, b) => a.index - b.index);
}

function failedOutcome<S>(index: number, error: AppError): ItemOutcome<S> {
  return {
    index,
    status: 'failed',
    code: error.code,
    params: {},
    message: error.message,
    httpStatus: error.status,
    ...(error.errors?.length ? { problems: error.errors } : {}),
    ...(error.extra ? { extra: error.extra } : {}),
    before: null,
    after: null,
  };
}

async function applyPart<I, S>(
  scope: RunScope,
  entries: { item: I; index: number }[],
  applyOne: (scope: RunScope, item: I, index: number) => Promise<Applied<S>>,
  applyAll: ((scope: RunScope, items: I[]) => Promise<Applied<S>[]>) | undefined,
  hooks: Pick<RunOptions, 'refuse' | 'onFailed'>,
  tryWhole = true,
): Promise<ItemOutcome<S>[]> {
  const outcomes: ItemOutcome<S>[] = [];
  const fail = (outcome: ItemOutcome<S>) => {
    outcomes.push(outcome);
    hooks.onFailed?.(outcome);
  };
  const part = entries.filter((entry) => {
    const refused = hooks.refuse?.(entry.index);
    if (refused) {
      fail(failedOutcome(entry.index, refused));
    }
    return !refused;
  });
  if (applyAll && part.length > 1) {
    if (tryWhole) {
      await sql`savepoint change_all`.execute(scope.trx);
      try {
        const applied = await applyAll(
          scope,
          part.map((entry) => entry.item),
        );
        await sql`release savepoint change_all`.execute(scope.trx);
        return [...outcomes, ...applied.map((outcome, at) => ({ index: part[at]?.index ?? at, ...outcome }))];
      } catch (error) {
        await sql`rollback to savepoint change_all`.execute(scope.trx);
        await sql`release savepoint change_all`.execute(scope.trx);
        if (!(constraintError(error) ?? error instanceof AppError)) {
          throw error;
        }
      }
    }
    const middle = Math.ceil(part.length / 2);
    return [
      ...outcomes,
      ...(await applyPart(scope, part.slice(0, middle), applyOne, applyAll, hooks)),
      ...(await applyPart(scope, part.slice(middle), applyOne, applyAll, hooks)),
    ];
  }
  for (const { item, index } of part) {
    const refused = hooks.refuse?.(index);
    if (refused) {
      fail(failedOutcome(index, refused));
      continue;
    }
    await sql`savepoint change_item`.execute(scope.trx);
    try {
      const applied = await applyOne(scope, item, index);
      await sql`release savepoint change_item`.execute(scope.trx);
      outcomes.push({ index, ...applied });
    } catch (thrown) {
      await sql`rollback to savepoint change_item`.execute(scope.trx);
      await sql`release savepoint change_item`.execute(scope.trx);
      const error = constraintError(thrown) ?? thrown;
      if (!(error instanceof AppError)) {
        throw thrown;
      }
      fail(failedOutcome(index, error));
    }
  }
  return outcomes;
}
