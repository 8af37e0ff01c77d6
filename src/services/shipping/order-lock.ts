import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import { Order } from '../../entities';
import { notFound } from '../../schema/errors';

/**
 * Locks an order's row for the rest of the caller's transaction and reads it. Every change of an
 * order's shipments, address or confirmations takes this lock first, so they happen one after
 * another, on any instance. A refund's claim is a conditional update of the same row: it waits for
 * the lock too, or, when InnoDB reaches the row through the status index first and picks the claim
 * as a deadlock victim, is retried (PaymentRefunds.claim); either way it then sees what the holder
 * committed, so a claim and a shipment never both pass.
 *
 * The locking read comes first in the transaction, so the plain reads after it see everything
 * committed before the lock was granted (InnoDB's snapshot starts at the first plain read).
 * SQLite runs one write transaction at a time, so it needs no lock clause.
 */
export async function lockOrder(tx: EntityManager, where: { orderId: string } | { id: number }): Promise<Order> {
  const sql = sqlOf(tx);
  const [row] =
    'orderId' in where
      ? await sql.rows<{ id: unknown }>(`select id from customer_order where order_id = ?${sql.forUpdate}`, [where.orderId])
      : await sql.rows<{ id: unknown }>(`select id from customer_order where id = ?${sql.forUpdate}`, [where.id]);
  if (!row) throw notFound('Order');
  // A detached read: changes go through conditional updates, and a managed copy would be flushed with the
  // transaction (on SQLite its dates would read as changed and rewrite the row even for a refusal).
  return tx.findOneOrFail(Order, Number(row.id), { disableIdentityMap: true });
}
