import type { EntityManager, EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';

/** The steps waiting for each open transaction's COMMIT, by its transaction context. */
const pending = new WeakMap<object, Array<() => Promise<void>>>();

/**
 * Runs `step` when the transaction `tx` is in commits: after its last statement (MikroORM's final
 * flush included), before COMMIT, while its row locks are still held; never when it rolls back. Used
 * for the StockGuard's side of a stock change (README "Stock"): a counter rebuilt from MySQL reads
 * the product's row under a shared lock, so it waits for this COMMIT and cannot fall between the
 * change and the counter's move. A step handles its own errors (a throw would roll the transaction
 * back). Needs `beforeCommitSubscriber` registered on the ORM (app.ts).
 */
export function beforeCommit(tx: EntityManager, step: () => Promise<void>): void {
  const inner = tx.getTransactionContext() as object | undefined;
  if (!inner) throw new Error('beforeCommit needs a transaction');
  // MikroORM announces the COMMIT of the outermost transaction only: a nested one's step waits for it.
  const ctx = outermost(inner);
  const steps = pending.get(ctx);
  if (steps) steps.push(step);
  else pending.set(ctx, [step]);
}

/** The transaction `ctx` is nested in, if any, up to the outermost (MikroORM marks a nested transaction with its parent under a private symbol). */
function outermost(ctx: object): object {
  for (let current = ctx; ;) {
    const key = Object.getOwnPropertySymbols(current).find((symbol) => symbol.description === 'parentTransaction');
    const parent = key && (current as Record<symbol, unknown>)[key];
    // A knex transaction is a function object.
    if (!parent || (typeof parent !== 'object' && typeof parent !== 'function')) return current;
    current = parent as object;
  }
}

/** MikroORM's hook that runs the steps `beforeCommit` queued, in order (the root transaction's commit). */
export const beforeCommitSubscriber: EventSubscriber = {
  async beforeTransactionCommit(args: TransactionEventArgs): Promise<void> {
    const ctx = args.transaction as object | undefined;
    const steps = ctx && pending.get(ctx);
    if (!steps) return;
    pending.delete(ctx);
    for (const step of steps) await step();
  },
};
