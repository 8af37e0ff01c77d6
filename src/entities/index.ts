import { AccountEntity } from './account.entity';
import { Admin } from './admin.entity';
import { AuthSession } from './auth-session.entity';
import { Category } from './category.entity';
import { Customer } from './customer.entity';
import { Product } from './product.entity';
import { ProductImage } from './product-image.entity';
import { Seller } from './seller.entity';

/** Every entity the ORM knows; listed explicitly so no folder scanning happens at boot. */
export const entities = [AccountEntity, Customer, Seller, Admin, AuthSession, Category, Product, ProductImage];

export { AccountEntity, Admin, AuthSession, Category, Customer, Product, ProductImage, Seller };
export { ProductStatus } from './product.entity';
export { Role } from './role';
