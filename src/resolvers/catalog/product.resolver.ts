import { CacheInherit, CacheMaxAge, CachePrivate, MAX_AGE } from '../../schema/cache-control';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-ts';
import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { selects, selectsPath } from '../../schema/selection';
import { ReplicaReads } from '../../schema/replica-reads';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { ProductSort, ProductStatus } from '../../schema/enums';
import { pageComplexity } from '../../schema/limits';
import { ProductImageService } from '../../services/catalog/product-image.service';
import { MAX_PRODUCT_PAGE, primeLoaders, ProductListing, type PageOptions, type ProductPage } from '../../services/catalog/product-listing';
import { ProductService, toProductRecord } from '../../services/catalog/product.service';
import { MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS } from '../../services/catalog/search/search-text';
import { SellerType, toAccountType } from '../account/account.types';
import { viewerOf } from '../../services/account/email-visibility';
import { CategoryType, toCategoryType } from './category.types';
import { CreateProductInput, UpdateProductInput } from './product.inputs';
import { ProductConnection, ProductImageType, ProductType, toProductConnection, toProductImageType, toProductType } from './product.types';

const SORT_DESCRIPTION = 'Default: RELEVANCE with a search, NEWEST without.';
const SEARCH_DESCRIPTION = `Words (split on spaces) that must all be found in the name or description, anywhere, also inside a compound ("운동화" finds "나이키운동화"); case, full/half width, spaces and punctuation are ignored. At most ${MAX_SEARCH_LENGTH} characters and ${MAX_SEARCH_WORDS} words; nothing searchable lists everything.`;

@Resolver(() => ProductType)
export class ProductResolver {
  constructor(
    private readonly productService: ProductService,
    private readonly listing: ProductListing,
    private readonly imageService: ProductImageService,
  ) {}

  @CacheMaxAge(MAX_AGE.product)
  @ReplicaReads()
  @Query(() => ProductType, { nullable: true, description: 'A product; null when it does not exist, is deleted, or is hidden from you.' })
  async product(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProductType | null> {
    const identity = ctx.auth.kind === 'authenticated' ? ctx.auth.identity : null;
    const product = await ctx.reads.entities((em) => this.productService.findVisible(em, id, identity));
    return product && toProductType(toProductRecord(product));
  }

  @CacheMaxAge(MAX_AGE.product)
  @ReplicaReads()
  @Query(() => ProductConnection, {
    description: `Listed products (not hidden, not deleted), at most ${MAX_PRODUCT_PAGE} a page: searched, filtered and sorted.`,
    complexity: pageComplexity(MAX_PRODUCT_PAGE),
  })
  async products(
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: MAX_PRODUCT_PAGE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('sort', () => ProductSort, { nullable: true, description: SORT_DESCRIPTION }) sort?: ProductSort | null,
    @Arg('categoryId', () => ID, { nullable: true, description: 'Only this category and the categories under it.' })
    categoryId?: string | null,
    @Arg('search', () => String, { nullable: true, description: SEARCH_DESCRIPTION }) search?: string | null,
    @Arg('minPrice', () => Int, { nullable: true, description: 'Only products costing at least this (KRW).' }) minPrice?: number | null,
    @Arg('maxPrice', () => Int, { nullable: true, description: 'Only products costing at most this (KRW).' }) maxPrice?: number | null,
  ): Promise<ProductConnection> {
    const query = { first, after, sort, categoryId, search, minPrice, maxPrice };
    return this.page(ctx, await ctx.reads.sql((em) => this.listing.list(em, query, { kind: 'listed' }, pageOptions(info))));
  }

  @Authorized(Role.SELLER)
  @ReplicaReads()
  @Query(() => ProductConnection, {
    description: `The calling seller's own products in every status (hidden and sold out included; never deleted ones), at most ${MAX_PRODUCT_PAGE} a page.`,
    complexity: pageComplexity(MAX_PRODUCT_PAGE),
  })
  async myProducts(
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('first', () => Int, { nullable: true, defaultValue: MAX_PRODUCT_PAGE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('sort', () => ProductSort, { nullable: true, description: SORT_DESCRIPTION }) sort?: ProductSort | null,
    @Arg('status', () => ProductStatus, { nullable: true, description: 'Only products in this status.' }) status?: ProductStatus | null,
    @Arg('search', () => String, { nullable: true, description: SEARCH_DESCRIPTION }) search?: string | null,
    @Arg('categoryId', () => ID, { nullable: true, description: 'Only this category and the categories under it.' })
    categoryId?: string | null,
    @Arg('minPrice', () => Int, { nullable: true }) minPrice?: number | null,
    @Arg('maxPrice', () => Int, { nullable: true }) maxPrice?: number | null,
  ): Promise<ProductConnection> {
    const identity = requireIdentity(ctx.auth);
    const query = { first, after, sort, categoryId, search, minPrice, maxPrice };
    const scope = { kind: 'seller' as const, sellerId: identity.accountId, status };
    return this.page(ctx, await ctx.reads.sql((em) => this.listing.list(em, query, scope, pageOptions(info))));
  }

  /** A page as a connection; the sellers and categories read with it go to the request's loaders. */
  private page(ctx: GraphQLContext, page: ProductPage): ProductConnection {
    if (page.sellers || page.categories) primeLoaders(ctx.loaders, page);
    return toProductConnection(page);
  }

  @Authorized(Role.SELLER)
  @Mutation(() => ProductType)
  async createProduct(@Arg('input', () => CreateProductInput) input: CreateProductInput, @Ctx() ctx: GraphQLContext): Promise<ProductType> {
    return toProductType(toProductRecord(await this.productService.create(ctx.em, requireIdentity(ctx.auth), input)));
  }

  @Authorized(Role.SELLER)
  @Mutation(() => ProductType)
  async updateProduct(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateProductInput) input: UpdateProductInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductType> {
    return toProductType(toProductRecord(await this.productService.update(ctx.em, requireIdentity(ctx.auth), id, input)));
  }

  @Authorized(Role.SELLER)
  @Mutation(() => Boolean, { description: 'Soft delete: the product leaves listings; past orders keep their lines.' })
  async deleteProduct(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await this.productService.delete(ctx.em, requireIdentity(ctx.auth), id);
    return true;
  }

  @Authorized(Role.SELLER)
  @Mutation(() => ProductType, { description: 'JPEG, PNG, WebP or GIF (checked by content), at most 10 per product in all.' })
  async addProductImages(
    @Arg('productId', () => ID) productId: string,
    @Arg('files', () => [GraphQLUpload]) files: Array<Promise<FileUpload>>,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductType> {
    return toProductType(toProductRecord(await this.imageService.add(ctx.em, requireIdentity(ctx.auth), productId, files)));
  }

  @Authorized(Role.SELLER)
  @Mutation(() => ProductType)
  async removeProductImage(
    @Arg('productId', () => ID) productId: string,
    @Arg('imageId', () => ID) imageId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductType> {
    return toProductType(toProductRecord(await this.imageService.remove(ctx.em, requireIdentity(ctx.auth), productId, imageId)));
  }

  @CacheInherit()
  @FieldResolver(() => SellerType)
  async seller(@Root() product: ProductType, @Ctx() ctx: GraphQLContext): Promise<SellerType> {
    const seller = await ctx.loaders.sellerById.load(product.sellerId);
    if (!seller) throw new Error(`seller ${product.sellerId} of product ${product.id} is missing`);
    return toAccountType({ role: Role.SELLER, account: seller }, viewerOf(ctx.auth));
  }

  @FieldResolver(() => CategoryType, { nullable: true })
  async category(@Root() product: ProductType, @Ctx() ctx: GraphQLContext): Promise<CategoryType | null> {
    if (product.categoryId === null) return null;
    const category = await ctx.loaders.categoryById.load(product.categoryId);
    return category && toCategoryType(category);
  }

  @CachePrivate()
  @FieldResolver(() => Int, {
    nullable: true,
    description: "Units held by unpaid orders (PAYMENT_PENDING), on top of `stock`: the product's own seller only, null for anyone else.",
  })
  async heldStock(@Root() product: ProductType, @Ctx() ctx: GraphQLContext): Promise<number | null> {
    const identity = ctx.auth.kind === 'authenticated' ? ctx.auth.identity : null;
    if (identity?.role !== Role.SELLER || identity.accountId !== product.sellerId) return null;
    return ctx.loaders.heldStockByProductId.load(product.productId);
  }

  @FieldResolver(() => [ProductImageType])
  async images(@Root() product: ProductType, @Ctx() ctx: GraphQLContext): Promise<ProductImageType[]> {
    return (await ctx.loaders.imagesByProductId.load(product.productId)).map(toProductImageType);
  }
}

/**
 * What a listing reads besides its products, from what the operation asks of its connection. Kept
 * per field node: Apollo reuses a known query's parsed document, so a repeated query walks it once.
 */
function pageOptions(info: GraphQLResolveInfo): PageOptions {
  const node = info.fieldNodes[0];
  let options = PAGE_OPTIONS.get(node);
  if (!options) {
    options = {
      withCount: selects(info, 'totalCount'),
      withSeller: selectsPath(info, NODE_SELLER),
      withCategory: selectsPath(info, NODE_CATEGORY),
    };
    if (info.fieldNodes.length === 1) PAGE_OPTIONS.set(node, options);
  }
  return options;
}
const PAGE_OPTIONS = new WeakMap<FieldNode, PageOptions>();
const NODE_SELLER = ['edges', 'node', 'seller'];
const NODE_CATEGORY = ['edges', 'node', 'category'];

@Resolver(() => ProductConnection)
export class ProductConnectionResolver {
  constructor(private readonly listing: ProductListing) {}

  @FieldResolver(() => Int, { description: 'Products matching the filter, across all pages.' })
  async totalCount(@Root() connection: ProductConnection, @Ctx() ctx: GraphQLContext): Promise<number> {
    // Read with the page when it has rows (see ProductListing.list); an empty page counts on its own.
    return connection.page.totalCount ?? ctx.reads.sql((em) => this.listing.count(em, connection.page.filter));
  }
}
