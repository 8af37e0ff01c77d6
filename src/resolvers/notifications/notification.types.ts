import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Carrier, OrderEventKind, OrderStatus, PaymentStatus } from '../../schema/enums';
import { isCarrier, trackingUrl } from '../../services/shipping/carriers';
import { connectionOf, PageInfo } from '../../schema/pagination';
import type { SellerOrderEvent } from '../../services/notifications/order-feed';
import type { OrderEventRecord } from '../../services/notifications/order-event-records';
import type { NotificationPage } from '../../services/notifications/notification.service';
import { OrderItemType, toOrderItemType } from '../orders/order.types';

@ObjectType('OrderEvent', { description: "A change of one of the customer's orders or its payment." })
export class OrderEventType {
  @Field(() => ID, { description: 'Grows with every event: pass the last one seen as `afterId` when reconnecting.' })
  id!: string;

  @Field(() => String)
  orderId!: string;

  @Field(() => OrderEventKind)
  kind!: OrderEventKind;

  @Field(() => OrderStatus)
  orderStatus!: OrderStatus;

  @Field(() => PaymentStatus, { nullable: true })
  paymentStatus!: PaymentStatus | null;

  @Field(() => Date)
  at!: Date;

  @Field(() => ID, { nullable: true, description: 'SHIPPED and DELIVERED of a shipment: which one.' })
  shipmentId!: string | null;

  @Field(() => Carrier, { nullable: true, description: "A shipment's carrier (SHIPPED, DELIVERED)." })
  carrier!: Carrier | null;

  @Field(() => String, { nullable: true, description: "A shipment's tracking number (SHIPPED, DELIVERED)." })
  trackingNumber!: string | null;

  @Field(() => String, { nullable: true, description: "The carrier's public tracking page for it." })
  trackingUrl!: string | null;
}

@ObjectType('SellerOrderEvent', {
  description:
    "An event of an order touching the seller's products (paid, cancelled, shipped, delivered, 구매확정), with only the seller's lines.",
})
export class SellerOrderEventType extends OrderEventType {
  @Field(() => [OrderItemType])
  items!: OrderItemType[];
}

@ObjectType('Notification')
export class NotificationType extends OrderEventType {
  @Field(() => Boolean)
  read!: boolean;
}

@ObjectType('NotificationEdge')
export class NotificationEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => NotificationType)
  node!: NotificationType;
}

@ObjectType('NotificationConnection')
export class NotificationConnection {
  @Field(() => [NotificationEdge])
  edges!: NotificationEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

export function toOrderEventType(e: OrderEventRecord): OrderEventType {
  const carrier = e.carrier && isCarrier(e.carrier) ? e.carrier : null;
  return {
    id: String(e.id),
    orderId: e.orderId,
    kind: e.kind,
    orderStatus: e.orderStatus,
    paymentStatus: e.paymentStatus,
    at: e.at,
    shipmentId: e.shipmentId === null ? null : String(e.shipmentId),
    carrier,
    trackingNumber: e.trackingNumber,
    trackingUrl: carrier && e.trackingNumber ? trackingUrl(carrier, e.trackingNumber) : null,
  };
}

export function toSellerOrderEventType(e: SellerOrderEvent): SellerOrderEventType {
  return { ...toOrderEventType(e), items: e.items.map(toOrderItemType) };
}

export async function toNotificationConnection(page: NotificationPage): Promise<NotificationConnection> {
  return { ...connectionOf(page, (n) => ({ ...toOrderEventType(n), read: n.readAt !== null })), totalCount: await page.totalCount() };
}
