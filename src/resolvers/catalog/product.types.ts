import { CacheInherit, CacheMaxAge, MAX_AGE } from '../../schema/cache-control';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ProductImageRecord } from '../../services/catalog/catalog.loaders';
import { ProductStatus } from '../../schema/enums';
import { connectionOf, PageInfo } from '../../schema/pagination';
import type { ProductPage } from '../../services/catalog/product-listing';
import type { ProductRecord } from '../../services/catalog/product.service';

@CacheMaxAge(MAX_AGE.image)
@ObjectType('ProductImage')
export class ProductImageType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Public URL of the image (absolute, or relative to this API when stored on local disk).' })
  url!: string;

  @Field(() => Int, { description: "1-based order among the product's images." })
  position!: number;
}

@CacheMaxAge(MAX_AGE.product)
@ObjectType('Product')
export class ProductType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Int, { description: 'Price in KRW (whole won).' })
  price!: number;

  @Field(() => Int, { description: 'Units that can still be bought.' })
  stock!: number;

  @Field(() => ProductStatus)
  status!: ProductStatus;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  /** Not GraphQL fields: resolved into `seller`, `category` and `images` through DataLoaders. */
  productId!: number;
  sellerId!: number;
  categoryId!: number | null;
}

@CacheInherit()
@ObjectType('ProductEdge')
export class ProductEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => ProductType)
  node!: ProductType;
}

@CacheInherit()
@ObjectType('ProductConnection')
export class ProductConnection {
  @Field(() => [ProductEdge])
  edges!: ProductEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  /** Not a GraphQL field: `totalCount` is counted only when asked for. */
  page!: ProductPage;
}

/**
 * A ProductType instance, not a bare object: type-graphql copies a field resolver's `@Root()` into an
 * instance of its class unless it is one already, and a listing page runs 60 of them (seller,
 * category and images of 20 products).
 */
export function toProductType(product: ProductRecord): ProductType {
  const type = new ProductType();
  type.id = String(product.id);
  type.name = product.name;
  type.description = product.description;
  type.price = product.price;
  type.stock = product.stock;
  type.status = product.status;
  type.createdAt = product.createdAt;
  type.updatedAt = product.updatedAt;
  type.productId = product.id;
  type.sellerId = product.sellerId;
  type.categoryId = product.categoryId;
  return type;
}

export function toProductImageType(image: ProductImageRecord): ProductImageType {
  return { id: String(image.id), url: image.url, position: image.position };
}

export function toProductConnection(page: ProductPage): ProductConnection {
  // An instance too: ProductConnection.totalCount's `@Root()`.
  return Object.assign(new ProductConnection(), connectionOf(page, toProductType), { page });
}
