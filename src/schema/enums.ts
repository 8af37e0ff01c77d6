import { registerEnumType } from 'type-graphql';
import { OrderEventKind } from '../entities/order-status-change.entity';
import { OrderStatus } from '../entities/order.entity';
import { PaymentStatus } from '../entities/payment.entity';
import { ProductStatus } from '../entities/product.entity';
import { Role } from '../entities/role';

registerEnumType(Role, { name: 'Role', description: 'The kind of account; each kind signs up and logs in separately.' });

registerEnumType(ProductStatus, { name: 'ProductStatus' });

export enum ProductSort {
  NEWEST = 'NEWEST',
  NAME = 'NAME',
}
registerEnumType(ProductSort, { name: 'ProductSort', description: 'NEWEST: newest first. NAME: by name, A to Z.' });

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

export { OrderEventKind, OrderStatus, PaymentStatus, ProductStatus, Role };
