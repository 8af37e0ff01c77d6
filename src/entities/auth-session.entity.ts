import { Entity, type Opt, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Role } from './role';

/**
 * One login. The token carries this row's id; a token is honoured only while its session is
 * neither revoked nor expired, so logout takes effect at once on every instance.
 */
@Entity({ tableName: 'auth_session' })
@Index({ properties: ['role', 'accountId'] })
export class AuthSession {
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @Enum({ items: () => Role })
  role!: Role;

  @Property({ type: 'integer', unsigned: true })
  accountId!: number;

  @Property({ type: 'datetime', length: 3, onCreate: () => new Date() })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', length: 3 })
  expiresAt!: Date;

  @Property({ type: 'datetime', length: 3, nullable: true })
  revokedAt: (Date & Opt) | null = null;
}
