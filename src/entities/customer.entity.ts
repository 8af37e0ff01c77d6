import { Entity } from '@mikro-orm/core';
import { AccountEntity } from './account.entity';

@Entity({ tableName: 'customer' })
export class Customer extends AccountEntity {}
