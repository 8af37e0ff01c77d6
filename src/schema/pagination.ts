import { CacheInherit } from './cache-control';
import { Field, ObjectType } from 'type-graphql';

@CacheInherit()
@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;
}

/** A keyset page as service methods return it: the items, each one's cursor, and whether more follow. */
export type KeysetPage<T> = { items: T[]; cursors: string[]; hasNextPage: boolean };

/** The `edges` and `pageInfo` of a Relay connection over a keyset page. */
export function connectionOf<T, N>(
  page: KeysetPage<T>,
  toNode: (item: T) => N,
): { edges: Array<{ cursor: string; node: N }>; pageInfo: PageInfo } {
  return {
    edges: page.items.map((item, i) => ({ cursor: page.cursors[i], node: toNode(item) })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors.at(-1) ?? null },
  };
}
