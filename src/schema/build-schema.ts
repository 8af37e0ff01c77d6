import { GraphQLDateTime } from 'graphql-scalars';
import { specifiedDirectives, type GraphQLInterfaceType, type GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType } from 'type-graphql';
import { authChecker } from '../auth/auth-checker';
import { AccountResolver } from '../resolvers/account/account.resolver';
import { accountTypeName, AdminType, CustomerType, SellerType, type AccountType } from '../resolvers/account/account.types';
import { CartResolver } from '../resolvers/cart/cart.resolver';
import { CategoryResolver } from '../resolvers/catalog/category.resolver';
import { ProductConnectionResolver, ProductResolver } from '../resolvers/catalog/product.resolver';
import { OrderConnectionResolver, OrderResolver } from '../resolvers/orders/order.resolver';
import { PaymentResolver } from '../resolvers/payments/payment.resolver';
import { NotificationResolver } from '../resolvers/notifications/notification.resolver';
import { ShippingAddressResolver } from '../resolvers/shipping/shipping-address.resolver';
import { CarrierResolver, ShipmentResolver } from '../resolvers/shipping/shipment.resolver';
import { CancelItemsResolver } from '../resolvers/orders/cancel-items.resolver';
import { SettlementResolver } from '../resolvers/settlement/settlement.resolver';
import { cacheControlDirective } from './cache-control';
import './enums';
import { validateInput } from './validate';

export const resolvers = [
  AccountResolver,
  CategoryResolver,
  ProductResolver,
  ProductConnectionResolver,
  CartResolver,
  OrderResolver,
  OrderConnectionResolver,
  PaymentResolver,
  NotificationResolver,
  ShippingAddressResolver,
  ShipmentResolver,
  CarrierResolver,
  CancelItemsResolver,
  SettlementResolver,
] as const;

/**
 * Builds the executable schema. `container` supplies resolver instances wired to the app's
 * services; emitting the SDL needs none.
 */
export async function buildAppSchema(container?: ContainerType): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    orphanedTypes: [CustomerType, SellerType, AdminType],
    container,
    authChecker,
    authMode: 'error',
    directives: [...specifiedDirectives, cacheControlDirective],
    validateFn: validateInput,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    // Subscriptions bring their own source (the OrderFeed, via `subscribe`); type-graphql still asks for a PubSub.
    pubSub: {
      publish: () => undefined,
      subscribe: () => {
        throw new Error('subscriptions here use their own `subscribe` function');
      },
    },
  });
  // type-graphql wraps resolveType in an async function; graphql-jit needs an answer at once.
  (schema.getType('Account') as GraphQLInterfaceType).resolveType = (value) => accountTypeName(value as AccountType);
  return schema;
}
