import { CachePrivate } from '../../schema/cache-control';
import { Field, ID, InterfaceType, ObjectType } from 'type-graphql';
import { Role } from '../../schema/enums';
import type { AccountRecord } from '../../services/account/account.service';
import { visibleEmail, type Viewer } from '../../services/account/email-visibility';

@InterfaceType('Account', {
  description: 'A customer, seller or admin. Each role is a separate account, even for the same email.',
  resolveType: (value: AccountType) => accountTypeName(value),
})
export abstract class AccountType {
  @Field(() => ID)
  id!: string;

  @CachePrivate()
  @Field(() => String, {
    description:
      'In full for the account itself and admins; masked for everyone else (`s***@d***.kr`: first characters and top-level domain).',
  })
  email!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('Customer', { implements: AccountType })
export class CustomerType extends AccountType {}

@ObjectType('Seller', { implements: AccountType })
export class SellerType extends AccountType {}

@ObjectType('Admin', { implements: AccountType })
export class AdminType extends AccountType {}

const TYPE_NAME_BY_ROLE: Record<Role, string> = { [Role.CUSTOMER]: 'Customer', [Role.SELLER]: 'Seller', [Role.ADMIN]: 'Admin' };

/** The object type an account value is (synchronous: graphql-jit does not await resolveType). */
export const accountTypeName = (value: Pick<AccountType, 'role'>): string => TYPE_NAME_BY_ROLE[value.role];

@ObjectType('AuthPayload')
export class AuthPayload {
  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`; `logout` revokes it.' })
  token!: string;

  @Field(() => AccountType)
  account!: AccountType;
}

/**
 * Maps an account to its GraphQL shape (never the password hash), as `viewer` may see it: the
 * email in full only for the account itself and admins (services/account/email-visibility.ts).
 */
export function toAccountType({ role, account }: AccountRecord, viewer: Viewer): AccountType {
  const email = visibleEmail({ role, id: account.id }, account.email, viewer);
  return { id: String(account.id), email, name: account.name, role, createdAt: account.createdAt };
}
