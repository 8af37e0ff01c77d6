import { Migration } from '@mikro-orm/migrations';

export class Migration20261201191913 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`order_cancellation\` (\`id\` int unsigned not null auto_increment primary key, \`order_id\` int unsigned not null, \`requested_by\` enum('CUSTOMER', 'SELLER') not null, \`requester_id\` int unsigned not null, \`lines\` json not null, \`amount\` int unsigned not null, \`balance_before\` int unsigned not null, \`reason\` varchar(200) not null, \`idempotency_key\` varchar(100) not null, \`status\` enum('PENDING', 'DONE', 'FAILED') not null default 'PENDING', \`transaction_key\` varchar(64) null, \`failure_message\` varchar(255) null, \`created_at\` datetime(3) not null, \`settled_at\` datetime(3) null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`order_cancellation\` add index \`order_cancellation_order_id_index\`(\`order_id\`);`);
    this.addSql(`alter table \`order_cancellation\` add unique \`order_cancellation_idempotency_key\`(\`idempotency_key\`);`);
    this.addSql(`alter table \`order_cancellation\` add index \`order_cancellation_status\`(\`status\`, \`created_at\`);`);
    this.addSql(`alter table \`order_cancellation\` add index \`order_cancellation_order\`(\`order_id\`, \`id\`);`);

    this.addSql(`alter table \`order_cancellation\` add constraint \`order_cancellation_order_id_foreign\` foreign key (\`order_id\`) references \`customer_order\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`order_status_change\` modify \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED', 'SHIPPED', 'PURCHASE_CONFIRMED', 'ITEMS_CANCELLED', 'FLAGGED') not null;`);

    this.addSql(`alter table \`order_item\` add \`cancelled_quantity\` int unsigned not null default 0;`);

  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`order_cancellation\`;`);
    this.addSql(`alter table \`order_item\` drop column \`cancelled_quantity\`;`);
    this.addSql(`delete from \`order_status_change\` where \`kind\` = 'ITEMS_CANCELLED';`);
    this.addSql(`alter table \`order_status_change\` modify \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED', 'SHIPPED', 'PURCHASE_CONFIRMED', 'FLAGGED') not null;`);
  }

}
