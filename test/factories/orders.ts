import { AddToCartDocument, ClearCartDocument, CreateOrderDocument } from '../generated/graphql';
import type { GraphQLClient } from '../helpers/graphql-client';

/** Puts exactly these lines in the customer's cart and orders them. */
export async function orderProducts(client: GraphQLClient, customerToken: string, lines: Array<{ productId: string; quantity: number }>) {
  await client.ok(ClearCartDocument, {}, { token: customerToken });
  for (const { productId, quantity } of lines) await client.ok(AddToCartDocument, { productId, quantity }, { token: customerToken });
  return (await client.ok(CreateOrderDocument, {}, { token: customerToken })).createOrder;
}
