import { CacheMaxAge, MAX_AGE } from '../../schema/cache-control';
import { Field, ID, ObjectType } from 'type-graphql';
import type { Category } from '../../entities';
import type { CategoryRecord } from '../../services/catalog/catalog.loaders';

@CacheMaxAge(MAX_AGE.category)
@ObjectType('Category')
export class CategoryType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  /** Not a GraphQL field: resolved into `parent` through a DataLoader. */
  parentId!: number | null;
}

export function toCategoryType(category: Category | CategoryRecord): CategoryType {
  const parentId = 'parentId' in category ? category.parentId : (category.parent?.id ?? null);
  return { id: String(category.id), name: category.name, parentId };
}
