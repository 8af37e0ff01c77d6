import { Field, ID, Int, ObjectType } from 'type-graphql';
import { OrderItemStatus, OrderStatus } from '../../schema/enums';
import { connectionOf, PageInfo } from '../../schema/pagination';
import type { OrderItemRecord, OrderView } from '../../services/orders/order-records';
import type { OrderPage } from '../../services/orders/order.service';

@ObjectType('OrderItem')
export class OrderItemType {
  @Field(() => ID, { description: 'The line itself (shipOrderItems takes these).' })
  id!: string;

  @Field(() => ID)
  productId!: string;

  @Field(() => String, { description: "The product's name when it was ordered." })
  productName!: string;

  @Field(() => Int, { description: 'KRW per unit when it was ordered.' })
  unitPrice!: number;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { description: 'Units refunded by partial cancels (cancelOrderItems); the line is CANCELLED when all are.' })
  cancelledQuantity!: number;

  @Field(() => OrderItemStatus)
  status!: OrderItemStatus;

  @Field(() => ID, { nullable: true, description: 'The shipment it left in, once shipped.' })
  shipmentId!: string | null;

  @Field(() => Date, { nullable: true, description: '구매확정: when the purchase of this line was confirmed.' })
  purchaseConfirmedAt!: Date | null;
}

@ObjectType('Order')
export class OrderType {
  @Field(() => String, { description: "The order's public id, also Toss's orderId." })
  orderId!: string;

  @Field(() => String, {
    description: 'Like "김치 1kg 외 2건": what the payment window shows. For a seller, built the same way from their own lines.',
  })
  orderName!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => Date)
  orderedAt!: Date;

  @Field(() => Date, { nullable: true })
  paidAt!: Date | null;

  @Field(() => Date, { nullable: true })
  cancelledAt!: Date | null;

  @Field(() => Date, { description: 'An unpaid order fails at this time and its stock returns.' })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: "Why the order failed: EXPIRED, AMOUNT_MISMATCH or Toss's error code." })
  failureCode!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the payment failed, in words (null for sellers).' })
  failureMessage!: string | null;

  @Field(() => String, { nullable: true, description: "The customer's reason for cancelling (null for sellers)." })
  cancelReason!: string | null;

  @Field(() => Boolean, {
    description: 'True while a refund of this paid order is being made at Toss: it cannot be shipped meanwhile.',
  })
  refundPending!: boolean;

  /** Not GraphQL fields: items and totalAmount depend on who is looking (a seller sees only their lines). */
  view!: OrderView;
}

@ObjectType('OrderEdge')
export class OrderEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => OrderType)
  node!: OrderType;
}

@ObjectType('OrderConnection')
export class OrderConnection {
  @Field(() => [OrderEdge])
  edges!: OrderEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  /** Not a GraphQL field: `totalCount` is counted only when asked for. */
  page!: OrderPage;
}

export function toOrderType(view: OrderView): OrderType {
  const { order } = view;
  return {
    orderId: order.orderId,
    orderName: order.orderName,
    status: order.status,
    orderedAt: order.orderedAt,
    paidAt: order.paidAt,
    cancelledAt: order.cancelledAt,
    expiresAt: order.expiresAt,
    failureCode: order.failureCode,
    failureMessage: order.failureMessage,
    cancelReason: order.cancelReason,
    refundPending: order.refundClaimedAt !== null,
    view,
  };
}

export function toOrderItemType(item: OrderItemRecord): OrderItemType {
  return {
    id: String(item.id),
    productId: String(item.productId),
    productName: item.productName,
    unitPrice: item.unitPrice,
    quantity: item.quantity,
    cancelledQuantity: item.cancelledQuantity,
    status: item.status,
    shipmentId: item.shipmentId === null ? null : String(item.shipmentId),
    purchaseConfirmedAt: item.confirmedAt,
  };
}

export function toOrderConnection(page: OrderPage): OrderConnection {
  return { ...connectionOf(page, toOrderType), page };
}
