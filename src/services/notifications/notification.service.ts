import type { EntityManager } from '@mikro-orm/knex';
import { sqlOf } from '../../db/sql';
import { badInput } from '../../schema/errors';
import { parseNumericId } from '../../schema/ids';
import { decodeCursor, encodeCursor, pageSize } from '../shared/cursor';
import { EVENT_COLUMNS, toEventRecord, type EventRow, type OrderEventRecord } from './order-event-records';

export const MAX_NOTIFICATION_PAGE = 50;

export type NotificationPage = { items: OrderEventRecord[]; cursors: string[]; hasNextPage: boolean; totalCount: () => Promise<number> };

/** A customer's order events kept as notifications: listed newest first, marked read. */
export class NotificationService {
  /** The customer's notifications, newest first, keyset-paged; only unread ones when asked. */
  async list(
    em: EntityManager,
    customerId: number,
    query: { first?: number | null; after?: string | null; unreadOnly?: boolean | null },
  ): Promise<NotificationPage> {
    const size = pageSize(query.first, MAX_NOTIFICATION_PAGE, 20);
    const filter = `customer_id = ?${query.unreadOnly ? ' and read_at is null' : ''}`;
    const params: unknown[] = [customerId];
    let where = filter;
    if (query.after) {
      where += ' and id < ?';
      params.push(decodeCursor(query.after, 'NOTIFICATIONS', 'none').id);
    }
    const sql = sqlOf(em);
    const rows = await sql.rows<EventRow>(`select ${EVENT_COLUMNS} from order_status_change where ${where} order by id desc limit ?`, [
      ...params,
      size + 1,
    ]);
    const items = rows.slice(0, size).map(toEventRecord);
    return {
      items,
      cursors: items.map((n) => encodeCursor({ sort: 'NOTIFICATIONS', value: 0, id: n.id })),
      hasNextPage: rows.length > size,
      totalCount: async () =>
        Number((await sql.rows<{ n: number }>(`select count(*) as n from order_status_change where ${filter}`, [customerId]))[0].n),
    };
  }

  /** Marks the given notifications of the customer read; returns how many changed. Others' ids are ignored. */
  async markRead(em: EntityManager, customerId: number, ids: readonly string[]): Promise<number> {
    if (ids.length > 500) throw badInput('ids', 'at most 500 at a time');
    const numeric = ids.map((id) => parseNumericId(id));
    if (numeric.some((id) => id === null)) throw badInput('ids', 'every id must be a notification id');
    if (numeric.length === 0) return 0;
    const { affectedRows } = await sqlOf(em).run(
      `update order_status_change set read_at = ? where customer_id = ? and read_at is null and id in (${numeric.map(() => '?').join(', ')})`,
      [new Date(), customerId, ...numeric],
    );
    return affectedRows;
  }
}
