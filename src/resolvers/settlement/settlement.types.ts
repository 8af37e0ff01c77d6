import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { connectionOf, PageInfo, type KeysetPage } from '../../schema/pagination';
import type { SettlementQuery } from '../../services/settlement/settlement-ledger';
import type { LedgerEntryRecord, PayoutRecord, SettlementTotals } from '../../services/settlement/settlement-records';

@ObjectType('SettlementTotals', {
  description: 'Sums over every entry of the period (not only the page), in KRW: gross = commission + net, and net = paidOut + owed.',
})
export class SettlementTotalsType {
  @Field(() => GraphQLSafeInt, { description: 'What the confirmed lines sold for.' })
  gross!: number;

  @Field(() => GraphQLSafeInt, { description: "The platform's commission: each line's rounded down." })
  commission!: number;

  @Field(() => GraphQLSafeInt, { description: 'What the sellers earned: gross - commission.' })
  net!: number;

  @Field(() => GraphQLSafeInt, { description: 'The net of the entries a payout has paid.' })
  paidOut!: number;

  @Field(() => GraphQLSafeInt, { description: 'The net of the entries not paid yet.' })
  owed!: number;

  @Field(() => Int)
  entryCount!: number;
}

@ObjectType('SellerLedgerEntry', { description: "One purchase-confirmed line in its seller's settlement ledger (정산). Amounts in KRW." })
export class SellerLedgerEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  sellerId!: string;

  @Field(() => String, { description: "The order's public id." })
  orderId!: string;

  @Field(() => ID, { description: 'The order line (OrderItem.id).' })
  orderItemId!: string;

  @Field(() => String, { description: "The product's name when it was ordered." })
  productName!: string;

  @Field(() => Int, { description: 'The units settled.' })
  quantity!: number;

  @Field(() => Int, { description: 'Unit price x quantity.' })
  gross!: number;

  @Field(() => Int, { description: 'floor(gross x commissionBps / 10000).' })
  commission!: number;

  @Field(() => Int, { description: 'gross - commission: owed to the seller.' })
  net!: number;

  @Field(() => Int, { description: 'The commission rate when the line entered the ledger, in basis points (1000 = 10 %).' })
  commissionBps!: number;

  @Field(() => Date, { description: "When the line's purchase was confirmed (구매확정): the entry's time in the ledger." })
  confirmedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the payout that paid it was recorded; null while owed.' })
  paidOutAt!: Date | null;

  @Field(() => ID, { nullable: true })
  payoutId!: string | null;
}

@ObjectType('SellerLedgerEntryEdge')
export class SellerLedgerEntryEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => SellerLedgerEntryType)
  node!: SellerLedgerEntryType;
}

@ObjectType('SellerLedgerEntryConnection')
export class SellerLedgerEntryConnection {
  @Field(() => [SellerLedgerEntryEdge])
  edges!: SellerLedgerEntryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType('SellerSettlement', {
  description: "A period [from, to) of one seller's settlement ledger, or of every seller's (admins, sellerId null).",
})
export class SellerSettlementType {
  @Field(() => Date, { description: 'Entries confirmed at or after this time…' })
  from!: Date;

  @Field(() => Date, { description: '…and before this one.' })
  to!: Date;

  @Field(() => ID, { nullable: true, description: 'Whose ledger; null: every seller (admins).' })
  sellerId!: string | null;

  /** Not a GraphQL field: the checked query that `totals` and `entries` read. */
  query!: SettlementQuery;
}

@ObjectType('SellerPayout', {
  description: 'A payout batch (정산 지급): the unpaid entries of a seller confirmed up to `upTo`, paid at once.',
})
export class SellerPayoutType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  sellerId!: string;

  @Field(() => Date, { description: 'It paid the entries confirmed at or before this time that were still owed.' })
  upTo!: Date;

  @Field(() => GraphQLSafeInt, { description: 'KRW: the net of the entries it paid.' })
  amount!: number;

  @Field(() => Int)
  entryCount!: number;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('SellerPayoutEdge')
export class SellerPayoutEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => SellerPayoutType)
  node!: SellerPayoutType;
}

@ObjectType('SellerPayoutConnection')
export class SellerPayoutConnection {
  @Field(() => [SellerPayoutEdge])
  edges!: SellerPayoutEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

export const toSettlementTotalsType = (t: SettlementTotals): SettlementTotalsType => ({ ...t });

export function toSellerSettlementType(q: SettlementQuery): SellerSettlementType {
  return { from: q.from, to: q.to, sellerId: q.sellerId === null ? null : String(q.sellerId), query: q };
}

export function toSellerLedgerEntryType(e: LedgerEntryRecord): SellerLedgerEntryType {
  return {
    ...e,
    id: String(e.id),
    sellerId: String(e.sellerId),
    orderItemId: String(e.orderItemId),
    payoutId: e.payoutId === null ? null : String(e.payoutId),
  };
}

export const toSellerLedgerEntryConnection = (page: KeysetPage<LedgerEntryRecord>): SellerLedgerEntryConnection =>
  connectionOf(page, toSellerLedgerEntryType);

export function toSellerPayoutType(p: PayoutRecord): SellerPayoutType {
  return {
    id: String(p.id),
    sellerId: String(p.sellerId),
    upTo: p.upTo,
    amount: p.amount,
    entryCount: p.entryCount,
    createdAt: p.createdAt,
  };
}

export const toSellerPayoutConnection = (page: KeysetPage<PayoutRecord>): SellerPayoutConnection => connectionOf(page, toSellerPayoutType);
