import { CacheMaxAge, MAX_AGE } from '../../schema/cache-control';
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { Carrier } from '../../schema/enums';
import type { OrderService } from '../../services/orders/order.service';
import type { PurchaseConfirmation } from '../../services/shipping/purchase-confirmation';
import { MAX_SHIPMENT_ITEMS, type ShipmentService } from '../../services/shipping/shipment.service';
import { SellerType, toAccountType } from '../account/account.types';
import { viewerOf } from '../../services/account/email-visibility';
import { OrderItemType, OrderType, toOrderItemType, toOrderType } from '../orders/order.types';
import { OrderAddressInput } from './shipping-address.inputs';
import { CarrierInfoType, ShipmentType, toCarrierInfoType, toShipmentType } from './shipment.types';

@Resolver(() => ShipmentType)
export class ShipmentResolver {
  constructor(
    private readonly shipments: ShipmentService,
    private readonly confirmations: PurchaseConfirmation,
    private readonly orders: OrderService,
  ) {}

  @Authorized(Role.SELLER, Role.ADMIN)
  @Mutation(() => ShipmentType, {
    description: `Ships lines of a paid order that has a shipping address: a seller its own lines, an admin any one seller's; at most ${MAX_SHIPMENT_ITEMS}. The first shipment moves the order to SHIPPING.`,
  })
  async shipOrderItems(
    @Arg('orderId', () => String) orderId: string,
    @Arg('itemIds', () => [ID], { description: 'OrderItem ids, all of one seller, none shipped yet.' }) itemIds: string[],
    @Arg('carrier', () => Carrier) carrier: Carrier,
    @Arg('trackingNumber', () => String, { description: "송장번호: the carrier's number of digits; spaces and hyphens are ignored." })
    trackingNumber: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ShipmentType> {
    const identity = requireIdentity(ctx.auth);
    return toShipmentType(await this.shipments.ship(ctx.em, identity, { orderId, itemIds, carrier, trackingNumber }));
  }

  @Authorized(Role.SELLER, Role.ADMIN)
  @Mutation(() => ShipmentType, {
    description: "The shipment's seller (or an admin) marks it delivered; the order is DELIVERED once every line is.",
  })
  async markShipmentDelivered(@Arg('shipmentId', () => ID) shipmentId: string, @Ctx() ctx: GraphQLContext): Promise<ShipmentType> {
    return toShipmentType(await this.shipments.markDelivered(ctx.em, requireIdentity(ctx.auth), shipmentId));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => OrderType, {
    description:
      'Sets (or replaces) the address of your order, until its first line ships: one of your addresses (shippingAddressId) or one written out (shippingAddress).',
  })
  async setOrderShippingAddress(
    @Arg('orderId', () => String) orderId: string,
    @Arg('shippingAddressId', () => ID, { nullable: true }) shippingAddressId: string | null | undefined,
    @Arg('shippingAddress', () => OrderAddressInput, { nullable: true }) shippingAddress: OrderAddressInput | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderType> {
    const identity = requireIdentity(ctx.auth);
    await this.shipments.setAddress(ctx.em, identity.accountId, orderId, { shippingAddressId, shippingAddress });
    return toOrderType(await this.orders.find(ctx.em.fork(), identity, orderId));
  }

  @Authorized(Role.CUSTOMER)
  @Mutation(() => OrderType, {
    description:
      '구매확정: confirms every delivered line of your order. A confirmed line is final: it can no longer be cancelled or refunded. Lines are also confirmed automatically PURCHASE_CONFIRM_DAYS after delivery.',
  })
  async confirmPurchase(@Arg('orderId', () => String) orderId: string, @Ctx() ctx: GraphQLContext): Promise<OrderType> {
    const identity = requireIdentity(ctx.auth);
    await this.confirmations.confirm(ctx.em, identity.accountId, orderId);
    return toOrderType(await this.orders.find(ctx.em.fork(), identity, orderId));
  }

  @FieldResolver(() => SellerType)
  async seller(@Root() shipment: ShipmentType, @Ctx() ctx: GraphQLContext): Promise<SellerType> {
    const seller = await ctx.loaders.sellerById.load(shipment.record.sellerId);
    if (!seller) throw new Error(`seller ${shipment.record.sellerId} of shipment ${shipment.id} is missing`);
    return toAccountType({ role: Role.SELLER, account: seller }, viewerOf(ctx.auth));
  }

  @FieldResolver(() => [OrderItemType], { description: 'The lines in this parcel.' })
  async items(@Root() shipment: ShipmentType, @Ctx() ctx: GraphQLContext): Promise<OrderItemType[]> {
    const lines = await ctx.loaders.orderItemsByOrderId.load(shipment.record.orderDbId);
    return lines.filter((l) => l.shipmentId === shipment.record.id).map(toOrderItemType);
  }
}

@Resolver()
export class CarrierResolver {
  @CacheMaxAge(MAX_AGE.carrier)
  @Query(() => [CarrierInfoType], { description: 'The parcel carriers shipOrderItems accepts. Public.' })
  carriers(): CarrierInfoType[] {
    return Object.values(Carrier).map(toCarrierInfoType);
  }
}
