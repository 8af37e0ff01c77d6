import type { App } from '../../src/app';
import { OrderItem, OrderStatus, Product } from '../../src/entities';
import { AddToCartDocument, CreateOrderDocument } from '../generated/graphql';
import { signUpAs, type TestAccount } from '../factories/accounts';
import { codeOf, type GraphQLClient, type Result } from './graphql-client';

/**
 * Many customers ordering at once through several app instances (the checkout race), and what to
 * check after it: units in MySQL, units ordered, the StockGuard's counter and holds.
 */

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/** `n` customers, each with `lines` in their cart, signed up and filled through the instances in turn. */
export async function customersWithCart(
  instances: GraphQLClient[],
  n: number,
  lines: Array<{ productId: string; quantity: number }>,
): Promise<TestAccount[]> {
  return pool(Array.from({ length: n }), 16, async (_, i) => {
    const client = instances[i % instances.length];
    const customer = await signUpAs(client, 'CUSTOMER');
    for (const { productId, quantity } of lines) await client.ok(AddToCartDocument, { productId, quantity }, { token: customer.token });
    return customer;
  });
}

type OrderResult = Result<{ createOrder: { orderId: string } }>;

/** Every customer orders at once, through the instances in turn; the answers sorted by outcome (`other`: their errors). */
export async function orderAtOnce(instances: GraphQLClient[], customers: TestAccount[]) {
  const results: OrderResult[] = await Promise.all(
    customers.map((c, i) => instances[i % instances.length].request(CreateOrderDocument, {}, { token: c.token })),
  );
  const ok = results.filter((r) => r.data?.createOrder);
  const outOfStock = results.filter((r) => codeOf(r) === 'OUT_OF_STOCK');
  const other = results.filter((r) => !r.data?.createOrder && codeOf(r) !== 'OUT_OF_STOCK').map((r) => r.errors);
  return { ok, outOfStock, other };
}

export async function mysqlStock(app: App, productId: string): Promise<number> {
  return (await app.orm.em.fork().findOneOrFail(Product, Number(productId))).stock;
}

/** Units of the product in orders that did not fail. */
export async function unitsOrdered(app: App, productId: string): Promise<number> {
  const items = await app.orm.em
    .fork()
    .find(OrderItem, { product: Number(productId), order: { status: { $ne: OrderStatus.PAYMENT_FAILED } } });
  return items.reduce((sum, i) => sum + i.quantity, 0);
}

export const stockCounter = async (app: App, productId: string) => (await app.stock.counters([Number(productId)])).get(Number(productId));
