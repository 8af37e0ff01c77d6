import { CreateCategoryDocument, CreateProductDocument, type CreateProductInput } from '../generated/graphql';
import type { GraphQLClient } from '../helpers/graphql-client';

let seq = 0;

/** Creates a category as the given admin. */
export async function createCategory(client: GraphQLClient, adminToken: string, name = `category ${++seq}`, parentId?: string) {
  const data = await client.ok(CreateCategoryDocument, { input: { name, parentId } }, { token: adminToken });
  return data.createCategory;
}

/** Creates a product as the given seller, with sensible defaults. */
export async function createProduct(client: GraphQLClient, sellerToken: string, input: Partial<CreateProductInput> = {}) {
  const data = await client.ok(
    CreateProductDocument,
    { input: { name: `product ${++seq}`, description: '맛있는 김치', price: 12000, stock: 10, ...input } },
    { token: sellerToken },
  );
  return data.createProduct;
}
