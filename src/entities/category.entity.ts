import { Entity, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';

/** A product category; names are unique, and a category may sit under a parent. */
@Entity({ tableName: 'category' })
export class Category {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 50, unique: true })
  name!: string;

  @ManyToOne(() => Category, { ref: true, nullable: true, deleteRule: 'restrict' })
  parent: Ref<Category> | null = null;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();
}
