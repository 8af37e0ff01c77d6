import { GraphQLUpload, type FileUpload } from 'graphql-upload-ts';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireIdentity } from '../../auth/auth-checker';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { ProductSort } from '../../schema/enums';
import { pageComplexity } from '../../schema/limits';
import { ProductImageService } from '../../services/catalog/product-image.service';
import { MAX_PRODUCT_PAGE, ProductService, toProductRecord } from '../../services/catalog/product.service';
import { SellerType, toAccountType } from '../account/account.types';
import { viewerOf } from '../../services/account/email-visibility';
import { CategoryType, toCategoryType } from './category.types';
import { CreateProductInput, UpdateProductInput } from './product.inputs';
import { ProductConnection, ProductImageType, ProductType, toProductConnection, toProductImageType, toProductType } from './product.types';

@Resolver(() => ProductType)
export class ProductResolver {
  constructor(
    private readonly productService: ProductService,
    private readonly imageService: ProductImageService,
  ) {}

  @Query(() => ProductType, { nullable: true, description: 'A product; null when it does not exist, is deleted, or is hidden from you.' })
  async product(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ProductType | null> {
    const identity = ctx.auth.kind === 'authenticated' ? ctx.auth.identity : null;
    const product = await this.productService.findVisible(ctx.em, id, identity);
    return product && toProductType(toProductRecord(product));
  }

  @Query(() => ProductConnection, {
    description: `Listed products (not hidden, not deleted), at most ${MAX_PRODUCT_PAGE} a page.`,
    complexity: pageComplexity(MAX_PRODUCT_PAGE),
  })
  async products(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: MAX_PRODUCT_PAGE }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('sort', () => ProductSort, { nullable: true, defaultValue: ProductSort.NEWEST }) sort?: ProductSort | null,
    @Arg('categoryId', () => ID, { nullable: true, description: 'Only this category and the categories under it.' })
    categoryId?: string | null,
  ): Promise<ProductConnection> {
    return toProductConnection(await this.productService.list(ctx.em, { first, after, sort, categoryId }));
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

  @FieldResolver(() => [ProductImageType])
  async images(@Root() product: ProductType, @Ctx() ctx: GraphQLContext): Promise<ProductImageType[]> {
    return (await ctx.loaders.imagesByProductId.load(product.productId)).map(toProductImageType);
  }
}

@Resolver(() => ProductConnection)
export class ProductConnectionResolver {
  constructor(private readonly productService: ProductService) {}

  @FieldResolver(() => Int, { description: 'Products matching the filter, across all pages.' })
  totalCount(@Root() connection: ProductConnection, @Ctx() ctx: GraphQLContext): Promise<number> {
    return this.productService.count(ctx.em, connection.page.filter);
  }
}
