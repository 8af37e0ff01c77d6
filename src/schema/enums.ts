import { registerEnumType } from 'type-graphql';
import { ProductStatus } from '../entities/product.entity';
import { Role } from '../entities/role';

registerEnumType(Role, { name: 'Role', description: 'The kind of account; each kind signs up and logs in separately.' });

registerEnumType(ProductStatus, { name: 'ProductStatus' });

export enum ProductSort {
  NEWEST = 'NEWEST',
  NAME = 'NAME',
}
registerEnumType(ProductSort, { name: 'ProductSort', description: 'NEWEST: newest first. NAME: by name, A to Z.' });

export { ProductStatus, Role };
