import { registerEnumType } from 'type-graphql';
import { OrderEventKind } from '../entities/order-status-change.entity';
import { OrderStatus } from '../entities/order.entity';
import { PaymentStatus } from '../entities/payment.entity';
import { ProductStatus } from '../entities/product.entity';
import { Role } from '../entities/role';
import { ShipmentStatus } from '../entities/shipment.entity';
import { OrderItemStatus } from '../services/orders/order-records';
import { Carrier, CARRIERS } from '../services/shipping/carriers';

registerEnumType(Role, { name: 'Role', description: 'The kind of account; each kind signs up and logs in separately.' });

registerEnumType(ProductStatus, { name: 'ProductStatus' });

export enum ProductSort {
  NEWEST = 'NEWEST',
  NAME = 'NAME',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  RELEVANCE = 'RELEVANCE',
}
registerEnumType(ProductSort, {
  name: 'ProductSort',
  description: 'How a product list is ordered; ties are broken by product id, so pages never skip or repeat.',
  valuesConfig: {
    NEWEST: { description: 'Newest first.' },
    NAME: { description: 'By name, A to Z.' },
    PRICE_ASC: { description: '낮은 가격순: cheapest first.' },
    PRICE_DESC: { description: '높은 가격순: dearest first.' },
    RELEVANCE: {
      description:
        'With a search: products with every word in their name first, then those matching in the description, each newest first. Without a search: as NEWEST.',
    },
  },
});

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description:
    'PAYMENT_PENDING -> ORDER_COMPLETED (paid) -> SHIPPING -> DELIVERED; or CANCELLED, or PAYMENT_FAILED (refused, mismatched or expired).',
});

registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description:
    "READY: confirm under way (outcome not known yet); DONE: approved; PARTIAL_CANCELED: part refunded at Toss (balanceAmount stays charged); CANCELED: refunded; ABORTED: refused or expired, on Toss's word.",
});

registerEnumType(OrderEventKind, { name: 'OrderEventKind', description: 'What happened to the order.' });

registerEnumType(ShipmentStatus, { name: 'ShipmentStatus', description: 'SHIPPING: on its way; DELIVERED: delivered.' });

registerEnumType(OrderItemStatus, {
  name: 'OrderItemStatus',
  description:
    "A line's own status: its order's while unpaid or ended (PAYMENT_PENDING, CANCELLED, PAYMENT_FAILED); then ORDER_COMPLETED (paid, still to ship), SHIPPING and DELIVERED with its shipment, and PURCHASE_CONFIRMED (구매확정: final, no longer cancellable or refundable).",
});

registerEnumType(Carrier, {
  name: 'Carrier',
  description: 'Korean parcel carriers (택배사). The `carriers` query lists each with its name and tracking-number lengths.',
  valuesConfig: Object.fromEntries(
    Object.values(Carrier).map((c) => [c, { description: `${CARRIERS[c].nameKo} (${CARRIERS[c].nameEn})` }]),
  ) as Record<Carrier, { description: string }>,
});

export { Carrier, OrderEventKind, OrderItemStatus, OrderStatus, PaymentStatus, ProductStatus, Role, ShipmentStatus };
