import { Entity } from '@mikro-orm/core';
import { AccountEntity } from './account.entity';

@Entity({ tableName: 'seller' })
export class Seller extends AccountEntity {}
