import { asDate, asDateOrNull } from '../../db/sql';

/** One ledger entry as the settlement queries return it. Amounts in KRW. */
export type LedgerEntryRecord = {
  id: number;
  sellerId: number;
  /** The order's public id (Toss's orderId). */
  orderId: string;
  orderItemId: number;
  productName: string;
  quantity: number;
  gross: number;
  commission: number;
  net: number;
  commissionBps: number;
  confirmedAt: Date;
  payoutId: number | null;
  /** When the payout that paid it was recorded; null while owed. */
  paidOutAt: Date | null;
};

/** A period's sums; owed = net - paidOut, and gross = commission + net. */
export type SettlementTotals = { gross: number; commission: number; net: number; paidOut: number; owed: number; entryCount: number };

export type PayoutRecord = {
  id: number;
  sellerId: number;
  upTo: Date;
  amount: number;
  entryCount: number;
  createdByAdminId: number;
  createdAt: Date;
};

/** The columns LedgerEntryRow reads: `e` the entry, `o` its order, `p` its payout (left joined). */
export const ENTRY_COLUMNS = `e.id, e.seller_id, o.order_id as public_order_id, e.order_item_id, e.product_name, e.quantity, e.gross,
  e.commission, e.net, e.commission_bps, e.confirmed_at, e.payout_id, p.created_at as paid_out_at`;
export const ENTRY_JOINS = 'join customer_order o on o.id = e.order_id left join seller_payout p on p.id = e.payout_id';

export type LedgerEntryRow = {
  id: unknown;
  seller_id: unknown;
  public_order_id: string;
  order_item_id: unknown;
  product_name: string;
  quantity: unknown;
  gross: unknown;
  commission: unknown;
  net: unknown;
  commission_bps: unknown;
  confirmed_at: unknown;
  payout_id: unknown;
  paid_out_at: unknown;
};

export function toLedgerEntryRecord(r: LedgerEntryRow): LedgerEntryRecord {
  return {
    id: Number(r.id),
    sellerId: Number(r.seller_id),
    orderId: r.public_order_id,
    orderItemId: Number(r.order_item_id),
    productName: r.product_name,
    quantity: Number(r.quantity),
    gross: Number(r.gross),
    commission: Number(r.commission),
    net: Number(r.net),
    commissionBps: Number(r.commission_bps),
    confirmedAt: asDate(r.confirmed_at),
    payoutId: r.payout_id === null || r.payout_id === undefined ? null : Number(r.payout_id),
    paidOutAt: asDateOrNull(r.paid_out_at),
  };
}

export const PAYOUT_COLUMNS = 'id, seller_id, up_to, amount, entry_count, created_by_admin_id, created_at';

export type PayoutRow = {
  id: unknown;
  seller_id: unknown;
  up_to: unknown;
  amount: unknown;
  entry_count: unknown;
  created_by_admin_id: unknown;
  created_at: unknown;
};

export function toPayoutRecord(r: PayoutRow): PayoutRecord {
  return {
    id: Number(r.id),
    sellerId: Number(r.seller_id),
    upTo: asDate(r.up_to),
    amount: Number(r.amount),
    entryCount: Number(r.entry_count),
    createdByAdminId: Number(r.created_by_admin_id),
    createdAt: asDate(r.created_at),
  };
}
