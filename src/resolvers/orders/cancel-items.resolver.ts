import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, Resolver } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { serviceUnavailable } from '../../schema/errors';
import type { OrderService } from '../../services/orders/order.service';
import { MAX_CANCEL_LINES, type PartialRefunds } from '../../services/payments/partial-refunds';
import { OrderType, toOrderType } from './order.types';

@InputType('CancelOrderItemInput', { description: 'Units of one line of the order to cancel.' })
export class CancelOrderItemInput {
  @Field(() => ID, { description: 'The OrderItem id.' })
  itemId!: string;

  @Field(() => Int, { description: "At least 1, at most the line's units not yet cancelled." })
  quantity!: number;
}

@Resolver()
export class CancelItemsResolver {
  constructor(
    private readonly partialRefunds: PartialRefunds | null,
    private readonly orders: OrderService,
  ) {}

  @Authorized(Role.CUSTOMER, Role.SELLER)
  @Mutation(() => OrderType, {
    description: `Cancels and refunds some units of unshipped lines of a paid order (부분 취소) through one Toss partial cancel: the customer any of their order's lines, a seller their own lines (판매 취소). At most ${MAX_CANCEL_LINES} lines. Cancelling every unit left cancels the order.`,
  })
  async cancelOrderItems(
    @Arg('orderId', () => String) orderId: string,
    @Arg('items', () => [CancelOrderItemInput]) items: CancelOrderItemInput[],
    @Arg('reason', () => String, { nullable: true, description: 'Up to 200 characters; shown to the customer and sent to Toss.' })
    reason: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    if (!this.partialRefunds) throw serviceUnavailable('Payments are not configured on this server (TOSS_SECRET_KEY is not set).');
    const identity = requireIdentity(ctx.auth);
    await this.partialRefunds.cancelItems(ctx.em, identity, orderId, items, reason);
    return toOrderType(await this.orders.find(ctx.em.fork(), identity, orderId));
  }
}
