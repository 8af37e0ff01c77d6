import { Entity } from '@mikro-orm/core';
import { AccountEntity } from './account.entity';

@Entity({ tableName: 'admin' })
export class Admin extends AccountEntity {}
