import { AccountEntity } from './account.entity';
import { Admin } from './admin.entity';
import { AuthSession } from './auth-session.entity';
import { Customer } from './customer.entity';
import { Seller } from './seller.entity';

/** Every entity the ORM knows; listed explicitly so no folder scanning happens at boot. */
export const entities = [AccountEntity, Customer, Seller, Admin, AuthSession];

export { AccountEntity, Admin, AuthSession, Customer, Seller };
export { Role } from './role';
