import type { EntityManager } from '@mikro-orm/knex';
import type { Identity } from '../../auth/identity';
import { asDate, sqlOf } from '../../db/sql';
import { badInput } from '../../schema/errors';
import type { KeysetPage } from '../../schema/pagination';
import { decodeCursor, encodeCursor, pageSize, type KeysetPosition } from '../shared/cursor';
import { confirmedUnits, settleLine } from './commission';
import { checkInstant, sellerScope } from './settlement-scope';
import {
  ENTRY_COLUMNS,
  ENTRY_JOINS,
  toLedgerEntryRecord,
  type LedgerEntryRecord,
  type LedgerEntryRow,
  type SettlementTotals,
} from './settlement-records';

export const MAX_SETTLEMENT_PAGE = 20;
/** The longest period one query covers (a leap year). */
export const MAX_SETTLEMENT_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;
const CURSOR_SORT = 'SETTLEMENT';

/**
 * A validated settlement query: the period [from, to), whose ledger (`sellerId`, or null for every
 * seller) and the page asked for. Built by `SettlementLedger.query`, which checks everything
 * before any totals or entries are read.
 */
export type SettlementQuery = {
  from: Date;
  to: Date;
  sellerId: number | null;
  page: { size: number; after: KeysetPosition | null };
};

type LineRow = {
  id: unknown;
  seller_id: unknown;
  product_name: string;
  unit_price: unknown;
  quantity: unknown;
  cancelled_quantity: unknown;
  confirmed_at: unknown;
};

/**
 * The seller settlement ledger (정산): each purchase-confirmed line becomes one entry of its seller's
 * ledger (gross, commission, net), read by period, and paid out by SellerPayouts.
 */
export class SettlementLedger {
  constructor(private readonly deps: { commissionBps: number }) {}

  /**
   * Enters the order's confirmed lines that have no entry yet, at today's commission rate. Runs in
   * PurchaseConfirmation's transaction, under the order's row lock, right after it confirmed lines,
   * so an entry commits with its confirmation or not at all; the unique order_item_id is the last
   * guard against a line entering twice. Returns how many entries it wrote.
   */
  async recordConfirmed(tx: EntityManager, orderDbId: number): Promise<number> {
    const sql = sqlOf(tx);
    const lines = await sql.rows<LineRow>(
      `select i.id, i.seller_id, i.product_name, i.unit_price, i.quantity, i.cancelled_quantity, i.confirmed_at
         from order_item i left join seller_ledger_entry e on e.order_item_id = i.id
        where i.order_id = ? and i.confirmed_at is not null and e.id is null
        order by i.id`,
      [orderDbId],
    );
    const now = new Date();
    const entries: unknown[][] = [];
    for (const line of lines) {
      const ledgerLine = {
        unitPrice: Number(line.unit_price),
        quantity: Number(line.quantity),
        cancelledQuantity: Number(line.cancelled_quantity),
      };
      const units = confirmedUnits(ledgerLine);
      // A line with no units left to settle (all cancelled before confirmation, once partial refunds exist) enters nothing.
      if (units === 0) continue;
      const { gross, commission, net } = settleLine(ledgerLine, this.deps.commissionBps);
      entries.push([
        line.seller_id,
        orderDbId,
        line.id,
        line.product_name,
        units,
        gross,
        commission,
        net,
        this.deps.commissionBps,
        asDate(line.confirmed_at),
        now,
      ]);
    }
    if (entries.length === 0) return 0;
    await sql.run(
      `insert into seller_ledger_entry
         (seller_id, order_id, order_item_id, product_name, quantity, gross, commission, net, commission_bps, confirmed_at, created_at)
       values ${entries.map((e) => `(${e.map(() => '?').join(', ')})`).join(', ')}`,
      entries.flat(),
    );
    return entries.length;
  }

  /**
   * Checks a settlement query before anything is read: the period (from <= to, at most 366 days),
   * whose ledger the caller may see (settlement-scope.ts), the page size and the cursor.
   */
  async query(
    em: EntityManager,
    identity: Identity,
    args: { from: Date; to: Date; sellerId?: string | null; first?: number | null; after?: string | null },
  ): Promise<SettlementQuery> {
    const from = checkInstant('from', args.from);
    const to = checkInstant('to', args.to);
    if (from.getTime() > to.getTime()) throw badInput('to', 'must not be before from');
    if (to.getTime() - from.getTime() > MAX_SETTLEMENT_DAYS * DAY_MS)
      throw badInput('to', `a period is at most ${MAX_SETTLEMENT_DAYS} days`);
    const size = pageSize(args.first, MAX_SETTLEMENT_PAGE, 20);
    const after = args.after ? decodeCursor(args.after, CURSOR_SORT, 'epochMs') : null;
    const sellerId = await sellerScope(em, identity, args.sellerId);
    return { from, to, sellerId, page: { size, after } };
  }

  /** The period's sums over every entry in it (one statement): gross, commission, net, paid out, owed, count. */
  async totals(em: EntityManager, q: SettlementQuery): Promise<SettlementTotals> {
    const { where, params } = periodFilter(q);
    const [row] = await sqlOf(em).rows<Record<'n' | 'gross' | 'commission' | 'net' | 'paid_out', unknown>>(
      `select count(*) as n, coalesce(sum(e.gross), 0) as gross, coalesce(sum(e.commission), 0) as commission,
              coalesce(sum(e.net), 0) as net, coalesce(sum(case when e.payout_id is null then 0 else e.net end), 0) as paid_out
         from seller_ledger_entry e where ${where}`,
      params,
    );
    // MySQL sums are DECIMAL (strings from the driver); every value is a whole number far below 2^53.
    const net = Number(row.net);
    const paidOut = Number(row.paid_out);
    return { gross: Number(row.gross), commission: Number(row.commission), net, paidOut, owed: net - paidOut, entryCount: Number(row.n) };
  }

  /** One page of the period's entries, oldest first by (confirmed_at, id): keyset paging, one statement. */
  async entries(em: EntityManager, q: SettlementQuery): Promise<KeysetPage<LedgerEntryRecord>> {
    const { where, params } = periodFilter(q);
    let keyset = '';
    if (q.page.after) {
      const at = new Date(q.page.after.value as number);
      keyset = ' and (e.confirmed_at > ? or (e.confirmed_at = ? and e.id > ?))';
      params.push(at, at, q.page.after.id);
    }
    const rows = await sqlOf(em).rows<LedgerEntryRow>(
      `select ${ENTRY_COLUMNS} from seller_ledger_entry e ${ENTRY_JOINS}
        where ${where}${keyset} order by e.confirmed_at, e.id limit ?`,
      [...params, q.page.size + 1],
    );
    const items = rows.slice(0, q.page.size).map(toLedgerEntryRecord);
    return {
      items,
      cursors: items.map((e) => encodeCursor({ sort: CURSOR_SORT, value: e.confirmedAt.getTime(), id: e.id })),
      hasNextPage: rows.length > q.page.size,
    };
  }
}

/** Entries of the period [from, to) in the query's ledger: a seller's (its index leads with seller_id) or everyone's. */
function periodFilter(q: SettlementQuery): { where: string; params: unknown[] } {
  const period = 'e.confirmed_at >= ? and e.confirmed_at < ?';
  return q.sellerId === null
    ? { where: period, params: [q.from, q.to] }
    : { where: `e.seller_id = ? and ${period}`, params: [q.sellerId, q.from, q.to] };
}
