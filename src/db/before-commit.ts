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
  const ctx = tx.getTransactionContext() as object | undefined;
  if (!ctx) throw new Error('beforeCommit needs a transaction');
  const steps = pending.get(ctx);
  if (steps) steps.push(step);
  else pending.set(ctx, [step]);
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
