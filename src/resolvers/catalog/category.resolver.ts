import { CacheMaxAge, MAX_AGE } from '../../schema/cache-control';
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../context';
import { Role } from '../../entities/role';
import { CategoryService } from '../../services/catalog/category.service';
import { CategoryInput } from './category.inputs';
import { CategoryType, toCategoryType } from './category.types';

@Resolver(() => CategoryType)
export class CategoryResolver {
  constructor(private readonly categoryService: CategoryService) {}

  @CacheMaxAge(MAX_AGE.category)
  @Query(() => [CategoryType], { description: 'Every category, by name.' })
  async categories(@Ctx() ctx: GraphQLContext): Promise<CategoryType[]> {
    return (await this.categoryService.list(ctx.em)).map(toCategoryType);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CategoryType)
  async createCategory(@Arg('input', () => CategoryInput) input: CategoryInput, @Ctx() ctx: GraphQLContext): Promise<CategoryType> {
    return toCategoryType(await this.categoryService.create(ctx.em, input));
  }

  @FieldResolver(() => CategoryType, { nullable: true })
  async parent(@Root() category: CategoryType, @Ctx() ctx: GraphQLContext): Promise<CategoryType | null> {
    if (category.parentId === null) return null;
    const parent = await ctx.loaders.categoryById.load(category.parentId);
    return parent && toCategoryType(parent);
  }
}
