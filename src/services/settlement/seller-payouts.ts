import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { sqlOf, sqlTransaction } from '../../db/sql';
import { badInput, notFound } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import type { KeysetPage } from '../../schema/pagination';
import { decodeCursor, encodeCursor, pageSize } from '../shared/cursor';
import { retryOnDeadlock } from '../shared/deadlock';
import { checkInstant, sellerScope } from './settlement-scope';
import { PAYOUT_COLUMNS, toPayoutRecord, type PayoutRecord, type PayoutRow } from './settlement-records';

export const MAX_PAYOUT_PAGE = 20;

/**
 * Payout batches (정산 지급): an admin records that a seller was paid what the ledger owed them up to
 * a time. Each batch marks the entries it pays, so an entry is paid once, whoever presses and on
 * whichever instance.
 */
export class SellerPayouts {
  /**
   * Records a payout of every unpaid entry of the seller confirmed at or before `upTo`, in one
   * transaction that first locks the seller's row (`select ... for update`): two admins recording a
   * payout for one seller take turns, and the second finds nothing owed (BAD_USER_INPUT on `upTo`).
   * The entries are marked by one conditional update, which reads the latest committed rows, so an
   * entry committed meanwhile is either in this batch or owed for the next one, never in two.
   */
  async record(em: EntityManager, adminId: number, args: { sellerId: string; upTo: Date }, now = new Date()): Promise<PayoutRecord> {
    const upTo = checkInstant('upTo', args.upTo);
    if (upTo.getTime() > now.getTime()) throw badInput('upTo', 'must not be in the future');
    const sellerId = parseNumericId(args.sellerId);
    if (sellerId === null) throw notFound('Seller');
    return retryOnDeadlock(() =>
      sqlTransaction(em, async (sql) => {
        const [seller] = await sql.rows<{ id: unknown }>(`select id from seller where id = ?${sql.forUpdate}`, [sellerId]);
        if (!seller) throw notFound('Seller');
        const createdAt = new Date();
        // The batch row first, so the entries can point at it; its sums are filled in from what was marked.
        const { insertId: payoutId } = await sql.run(
          'insert into seller_payout (seller_id, up_to, amount, entry_count, created_by_admin_id, created_at) values (?, ?, 0, 0, ?, ?)',
          [sellerId, upTo, adminId, createdAt],
        );
        const { affectedRows } = await sql.run(
          'update seller_ledger_entry set payout_id = ? where seller_id = ? and payout_id is null and confirmed_at <= ?',
          [payoutId, sellerId, upTo],
        );
        // Throwing rolls the batch row back with everything else.
        if (affectedRows === 0) throw badInput('upTo', 'nothing owed: the seller has no unpaid entry confirmed by then');
        const [sum] = await sql.rows<{ n: unknown; amount: unknown }>(
          'select count(*) as n, coalesce(sum(net), 0) as amount from seller_ledger_entry where payout_id = ?',
          [payoutId],
        );
        const amount = Number(sum.amount);
        const entryCount = Number(sum.n);
        await sql.run('update seller_payout set amount = ?, entry_count = ? where id = ?', [amount, entryCount, payoutId]);
        return { id: payoutId, sellerId, upTo, amount, entryCount, createdByAdminId: adminId, createdAt };
      }),
    );
  }

  /** Payout batches, newest first: a seller's own; an admin's of the seller named, or of every seller. */
  async list(
    em: EntityManager,
    identity: Identity,
    args: { sellerId?: string | null; first?: number | null; after?: string | null },
  ): Promise<KeysetPage<PayoutRecord>> {
    const size = pageSize(args.first, MAX_PAYOUT_PAGE, 20);
    const after = args.after ? decodeCursor(args.after, 'PAYOUTS', 'none').id : null;
    const sellerId = await sellerScope(em, identity, args.sellerId);
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (sellerId !== null) {
      conditions.push('seller_id = ?');
      params.push(sellerId);
    }
    if (after !== null) {
      conditions.push('id < ?');
      params.push(after);
    }
    const where = conditions.length ? `where ${conditions.join(' and ')}` : '';
    const rows = await sqlOf(em).rows<PayoutRow>(`select ${PAYOUT_COLUMNS} from seller_payout ${where} order by id desc limit ?`, [
      ...params,
      size + 1,
    ]);
    const items = rows.slice(0, size).map(toPayoutRecord);
    return {
      items,
      cursors: items.map((p) => encodeCursor({ sort: 'PAYOUTS', value: 0, id: p.id })),
      hasNextPage: rows.length > size,
    };
  }
}
