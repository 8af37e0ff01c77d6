import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { pageComplexity } from '../../schema/limits';
import { MAX_PAYOUT_PAGE, type SellerPayouts } from '../../services/settlement/seller-payouts';
import { MAX_SETTLEMENT_DAYS, MAX_SETTLEMENT_PAGE, type SettlementLedger } from '../../services/settlement/settlement-ledger';
import {
  SellerLedgerEntryConnection,
  SellerPayoutConnection,
  SellerPayoutType,
  SellerSettlementType,
  SettlementTotalsType,
  toSellerLedgerEntryConnection,
  toSellerPayoutConnection,
  toSellerPayoutType,
  toSellerSettlementType,
  toSettlementTotalsType,
} from './settlement.types';

@Resolver(() => SellerSettlementType)
export class SettlementResolver {
  constructor(
    private readonly ledger: SettlementLedger,
    private readonly payouts: SellerPayouts,
  ) {}

  @Authorized(Role.SELLER, Role.ADMIN)
  @Query(() => SellerSettlementType, {
    complexity: pageComplexity(MAX_SETTLEMENT_PAGE),
    description: `정산: the settlement ledger over [from, to) (at most ${MAX_SETTLEMENT_DAYS} days): the period's totals and its entries, oldest first, at most ${MAX_SETTLEMENT_PAGE} a page. Sellers: their own (another sellerId is FORBIDDEN); admins: the seller named, or every seller.`,
  })
  async sellerSettlements(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: GraphQLContext,
    @Arg('sellerId', () => ID, { nullable: true }) sellerId?: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: MAX_SETTLEMENT_PAGE }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SellerSettlementType> {
    const query = await this.ledger.query(ctx.em, requireIdentity(ctx.auth), { from, to, sellerId, first, after });
    return toSellerSettlementType(query);
  }

  @FieldResolver(() => SettlementTotalsType, { description: 'Over the whole period, whatever the page.' })
  async totals(@Root() settlement: SellerSettlementType, @Ctx() ctx: GraphQLContext): Promise<SettlementTotalsType> {
    return toSettlementTotalsType(await this.ledger.totals(ctx.em, settlement.query));
  }

  @FieldResolver(() => SellerLedgerEntryConnection, { description: 'The page of entries that `first` and `after` asked for.' })
  async entries(@Root() settlement: SellerSettlementType, @Ctx() ctx: GraphQLContext): Promise<SellerLedgerEntryConnection> {
    return toSellerLedgerEntryConnection(await this.ledger.entries(ctx.em, settlement.query));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => SellerPayoutType, {
    description:
      'Records that the seller was paid every unpaid entry confirmed at or before upTo (not in the future): those entries are marked with this payout, exactly once. Nothing owed is BAD_USER_INPUT (upTo).',
  })
  async recordSellerPayout(
    @Arg('sellerId', () => ID) sellerId: string,
    @Arg('upTo', () => Date) upTo: Date,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SellerPayoutType> {
    return toSellerPayoutType(await this.payouts.record(ctx.em, requireIdentity(ctx.auth).accountId, { sellerId, upTo }));
  }

  @Authorized(Role.SELLER, Role.ADMIN)
  @Query(() => SellerPayoutConnection, {
    complexity: pageComplexity(MAX_PAYOUT_PAGE),
    description: `Payout batches, newest first, at most ${MAX_PAYOUT_PAGE} a page. Sellers: their own (another sellerId is FORBIDDEN); admins: the seller named, or every seller.`,
  })
  async sellerPayouts(
    @Ctx() ctx: GraphQLContext,
    @Arg('sellerId', () => ID, { nullable: true }) sellerId?: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: MAX_PAYOUT_PAGE }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SellerPayoutConnection> {
    return toSellerPayoutConnection(await this.payouts.list(ctx.em, requireIdentity(ctx.auth), { sellerId, first, after }));
  }
}
