import { Migration } from '@mikro-orm/migrations';

/**
 * The seller settlement ledger (정산, #16): seller_ledger_entry, one row a purchase-confirmed line (unique
 * order_item_id), and seller_payout, the payout batches that mark entries paid.
 */
export class Migration20261201191433 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`seller_payout\` (\`id\` int unsigned not null auto_increment primary key, \`seller_id\` int unsigned not null, \`up_to\` datetime(3) not null, \`amount\` bigint unsigned not null, \`entry_count\` int unsigned not null, \`created_by_admin_id\` int unsigned not null, \`created_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`seller_payout\` add index \`seller_payout_seller_id_index\`(\`seller_id\`);`);
    this.addSql(`alter table \`seller_payout\` add index \`seller_payout_created_by_admin_id_index\`(\`created_by_admin_id\`);`);
    this.addSql(`alter table \`seller_payout\` add index \`seller_payout_seller\`(\`seller_id\`, \`id\`);`);
    this.addSql(`create table \`seller_ledger_entry\` (\`id\` int unsigned not null auto_increment primary key, \`seller_id\` int unsigned not null, \`order_id\` int unsigned not null, \`order_item_id\` int unsigned not null, \`product_name\` varchar(100) not null, \`quantity\` int unsigned not null, \`gross\` int unsigned not null, \`commission\` int unsigned not null, \`net\` int unsigned not null, \`commission_bps\` smallint unsigned not null, \`confirmed_at\` datetime(3) not null, \`payout_id\` int unsigned null, \`created_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_seller_id_index\`(\`seller_id\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_order_id_index\`(\`order_id\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_order_item_id_index\`(\`order_item_id\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_payout_id_index\`(\`payout_id\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_confirmed\`(\`confirmed_at\`, \`id\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_seller_payout\`(\`seller_id\`, \`payout_id\`, \`confirmed_at\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add index \`seller_ledger_entry_seller_confirmed\`(\`seller_id\`, \`confirmed_at\`, \`id\`);`);
    this.addSql(`alter table \`seller_ledger_entry\` add unique \`seller_ledger_entry_order_item\`(\`order_item_id\`);`);
    this.addSql(`alter table \`seller_payout\` add constraint \`seller_payout_seller_id_foreign\` foreign key (\`seller_id\`) references \`seller\` (\`id\`) on update cascade on delete restrict;`);
    this.addSql(`alter table \`seller_payout\` add constraint \`seller_payout_created_by_admin_id_foreign\` foreign key (\`created_by_admin_id\`) references \`admin\` (\`id\`) on update cascade on delete restrict;`);
    this.addSql(`alter table \`seller_ledger_entry\` add constraint \`seller_ledger_entry_seller_id_foreign\` foreign key (\`seller_id\`) references \`seller\` (\`id\`) on update cascade on delete restrict;`);
    this.addSql(`alter table \`seller_ledger_entry\` add constraint \`seller_ledger_entry_order_id_foreign\` foreign key (\`order_id\`) references \`customer_order\` (\`id\`) on update cascade on delete restrict;`);
    this.addSql(`alter table \`seller_ledger_entry\` add constraint \`seller_ledger_entry_order_item_id_foreign\` foreign key (\`order_item_id\`) references \`order_item\` (\`id\`) on update cascade on delete restrict;`);
    this.addSql(`alter table \`seller_ledger_entry\` add constraint \`seller_ledger_entry_payout_id_foreign\` foreign key (\`payout_id\`) references \`seller_payout\` (\`id\`) on update cascade on delete restrict;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`seller_ledger_entry\`;`);
    this.addSql(`drop table if exists \`seller_payout\`;`);
  }
}
