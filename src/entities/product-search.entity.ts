import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Product } from './product.entity';

/**
 * The search index of a product (services/catalog/search): its name and description in their
 * searchable form (search-text.ts `normalize`), against which every query word is finally
 * checked. Written in the transaction that writes the product. On MySQL the text columns use a
 * binary collation (see the migration), so matching is exact, as on SQLite.
 */
@Entity({ tableName: 'product_search_doc' })
export class ProductSearchDoc {
  @ManyToOne(() => Product, { primary: true, deleteRule: 'cascade', ref: true, fieldName: 'product_id' })
  product!: Ref<Product>;

  /** MEDIUMTEXT: NFKC can make a text many times longer (one ﷺ is 18 letters), past TEXT's 64 KB. */
  @Property({ type: 'text', columnType: 'mediumtext' })
  nameText!: string;

  @Property({ type: 'text', columnType: 'mediumtext' })
  bodyText!: string;
}

/**
 * One gram (a character or a pair of neighbouring characters of the normalized name or
 * description) of one product: the n-gram index that narrows a search to its candidates.
 */
@Entity({ tableName: 'product_search_gram' })
@Index({ name: 'product_search_gram_product', properties: ['product'] })
export class ProductSearchGram {
  @PrimaryKey({ type: 'string', length: 2 })
  gram!: string;

  @ManyToOne(() => Product, { primary: true, deleteRule: 'cascade', ref: true, fieldName: 'product_id' })
  product!: Ref<Product>;
}
