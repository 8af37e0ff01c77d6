import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { OrderStatus } from '../../schema/enums';
import { pageComplexity } from '../../schema/limits';
import { ReplicaReads } from '../../schema/replica-reads';
import { CheckoutService } from '../../services/orders/checkout.service';
import { MAX_ORDER_PAGE, OrderService } from '../../services/orders/order.service';
import { PaymentType, toPaymentType } from '../payments/payment.types';
import { OrderShippingAddressType, ShipmentType, toOrderShippingAddressType, toShipmentType } from '../shipping/shipment.types';
import { CreateOrderInput } from './order.inputs';
import { OrderConnection, OrderItemType, OrderType, toOrderConnection, toOrderItemType, toOrderType } from './order.types';

@Resolver(() => OrderType)
export class OrderResolver {
  constructor(
    private readonly orderService: OrderService,
    private readonly checkout: CheckoutService,
  ) {}

  @Authorized()
  @ReplicaReads()
  @Query(() => OrderType, { nullable: true, description: "One order: the customer's own, a seller's (own lines only), or any for admins." })
  async order(@Arg('orderId', () => String) orderId: string, @Ctx() ctx: GraphQLContext): Promise<OrderType> {
    const identity = requireIdentity(ctx.auth);
    return toOrderType(await ctx.reads.entities((em) => this.orderService.find(em, identity, orderId)));
  }

  @Authorized()
  @ReplicaReads()
  @Query(() => OrderConnection, {
    complexity: pageComplexity(MAX_ORDER_PAGE),
    description: `Newest first, at most ${MAX_ORDER_PAGE} a page. Customers: their own; sellers: orders holding their products (their lines only); admins: all.`,
  })
  async orders(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: MAX_ORDER_PAGE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('status', () => OrderStatus, { nullable: true }) status?: OrderStatus | null,
    @Arg('flagged', () => Boolean, {
      nullable: true,
      description: 'true: only orders flagged for an admin (see Order.flaggedAt); false: only the others.',
    })
    flagged?: boolean | null,
  ): Promise<OrderConnection> {
    const identity = requireIdentity(ctx.auth);
    return toOrderConnection(await ctx.reads.entities((em) => this.orderService.list(em, identity, { first, after, status, flagged })));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => OrderType, {
    description:
      'Orders the cart (or input.productIds from it): PAYMENT_PENDING, with stock held for every line, shipping to input.shippingAddressId, input.shippingAddress or your default address.',
  })
  async createOrder(
    @Arg('input', () => CreateOrderInput, { nullable: true }) input: CreateOrderInput | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    const { order, items } = await this.checkout.createOrder(ctx.em, requireIdentity(ctx.auth).accountId, input?.productIds, input);
    // The lines were just written: hand them to the loader instead of reading them back.
    ctx.loaders.orderItemsByOrderId.prime(order.id, items);
    return toOrderType({ order, sellerId: null });
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => OrderType, { description: 'The owning customer cancels an order before shipping; its stock returns.' })
  async cancelOrder(
    @Arg('orderId', () => String) orderId: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    return toOrderType(await this.orderService.cancel(ctx.em, requireIdentity(ctx.auth), orderId, reason));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => OrderType, { description: 'ORDER_COMPLETED -> SHIPPING -> DELIVERED, forward only.' })
  async updateOrderStatus(
    @Arg('orderId', () => String) orderId: string,
    @Arg('status', () => OrderStatus) status: OrderStatus,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    return toOrderType(await this.orderService.advance(ctx.em, orderId, status));
  }

  @FieldResolver(() => [OrderItemType])
  async items(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): Promise<OrderItemType[]> {
    return (await this.visibleItems(order, ctx)).map(toOrderItemType);
  }

  @FieldResolver(() => Int, { description: 'KRW. For a seller, the total of their own lines.' })
  async totalAmount(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): Promise<number> {
    if (order.view.sellerId === null) return order.view.order.totalAmount;
    return (await this.visibleItems(order, ctx)).reduce((sum, i) => sum + i.unitPrice * i.quantity, 0);
  }

  @FieldResolver(() => PaymentType, {
    nullable: true,
    description: 'For the customer and admins; null for sellers and before any confirm.',
  })
  async payment(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): Promise<PaymentType | null> {
    if (order.view.sellerId !== null) return null;
    const payment = await ctx.loaders.paymentByOrderId.load(order.view.order.id);
    return payment && toPaymentType(payment, order.orderId);
  }

  @FieldResolver(() => OrderShippingAddressType, {
    nullable: true,
    description:
      'Where the order ships (a snapshot): for its customer and admins, and for its sellers once it is paid. Null while none is set.',
  })
  shippingAddress(@Root() order: OrderType): OrderShippingAddressType | null {
    const address = order.view.order.shippingAddress;
    return address && toOrderShippingAddressType(address);
  }

  @FieldResolver(() => [ShipmentType], { description: 'Its parcels, oldest first; a seller sees only their own.' })
  async shipments(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): Promise<ShipmentType[]> {
    const all = await ctx.loaders.shipmentsByOrderId.load(order.view.order.id);
    const sellerId = order.view.sellerId;
    return (sellerId === null ? all : all.filter((s) => s.sellerId === sellerId)).map(toShipmentType);
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'Admins only (null for others): when Toss reported what the status cannot show, such as a refund made at Toss after shipping started, or a partial refund.',
  })
  flaggedAt(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): Date | null {
    return isAdmin(ctx) ? order.view.order.flaggedAt : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Admins only (null for others): why the order was flagged.' })
  flagReason(@Root() order: OrderType, @Ctx() ctx: GraphQLContext): string | null {
    return isAdmin(ctx) ? order.view.order.flagReason : null;
  }

  private async visibleItems(order: OrderType, ctx: GraphQLContext) {
    const items = await ctx.loaders.orderItemsByOrderId.load(order.view.order.id);
    const sellerId = order.view.sellerId;
    return sellerId === null ? items : items.filter((i) => i.sellerId === sellerId);
  }
}

function isAdmin(ctx: GraphQLContext): boolean {
  return ctx.auth.kind === 'authenticated' && ctx.auth.identity.role === Role.ADMIN;
}

@Resolver(() => OrderConnection)
export class OrderConnectionResolver {
  constructor(private readonly orderService: OrderService) {}

  @FieldResolver(() => Int, { description: 'Orders matching the filter, across all pages.' })
  totalCount(@Root() connection: OrderConnection, @Ctx() ctx: GraphQLContext): Promise<number> {
    return ctx.reads.entities((em) => this.orderService.count(em, connection.page.filter));
  }
}
