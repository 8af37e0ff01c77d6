import { AccountEntity } from './account.entity';
import { Admin } from './admin.entity';
import { AuthSession } from './auth-session.entity';
import { CartLine } from './cart-line.entity';
import { Category } from './category.entity';
import { Customer } from './customer.entity';
import { Order } from './order.entity';
import { OrderItem } from './order-item.entity';
import { OrderCancellation } from './order-cancellation.entity';
import { OrderStatusChange } from './order-status-change.entity';
import { Payment } from './payment.entity';
import { Product } from './product.entity';
import { ProductImage } from './product-image.entity';
import { ProductSearchDoc, ProductSearchGram } from './product-search.entity';
import { ReplicaHeartbeat } from './replica-heartbeat.entity';
import { Seller } from './seller.entity';
import { SellerLedgerEntry } from './seller-ledger-entry.entity';
import { SellerPayout } from './seller-payout.entity';
import { ShippingAddress } from './shipping-address.entity';
import { Shipment } from './shipment.entity';

/** Every entity the ORM knows; listed explicitly so no folder scanning happens at boot. */
export const entities = [
  AccountEntity,
  Customer,
  Seller,
  Admin,
  AuthSession,
  Category,
  Product,
  ProductImage,
  ProductSearchDoc,
  ProductSearchGram,
  CartLine,
  ShippingAddress,
  Order,
  OrderItem,
  Shipment,
  OrderCancellation,
  OrderStatusChange,
  Payment,
  SellerPayout,
  SellerLedgerEntry,
  ReplicaHeartbeat,
];

export {
  AccountEntity,
  Admin,
  AuthSession,
  CartLine,
  Category,
  Customer,
  Order,
  OrderCancellation,
  OrderItem,
  OrderStatusChange,
  Product,
  ProductImage,
  ProductSearchDoc,
  ProductSearchGram,
  ReplicaHeartbeat,
  Seller,
  SellerLedgerEntry,
  SellerPayout,
  Shipment,
  ShippingAddress,
};
export { ShipmentStatus } from './shipment.entity';
export { CancellationRequester, CancellationStatus, type CancellationLine } from './order-cancellation.entity';
export { OrderStatus } from './order.entity';
export { Payment };
export { PaymentStatus } from './payment.entity';
export { OrderEventKind } from './order-status-change.entity';
export { ProductStatus } from './product.entity';
export { Role } from './role';
