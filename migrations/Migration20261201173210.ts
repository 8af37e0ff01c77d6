import { Migration } from '@mikro-orm/migrations';

/** The customers' address books (배송지): shipping_address, one row an address, at most one default per customer. */
export class Migration20261201173210 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`shipping_address\` (\`id\` int unsigned not null auto_increment primary key, \`customer_id\` int unsigned not null, \`recipient_name\` varchar(50) not null, \`phone\` varchar(20) not null, \`postcode\` varchar(5) not null, \`road_address\` varchar(200) not null, \`detail\` varchar(100) not null, \`memo\` varchar(100) null, \`is_default\` tinyint(1) not null default false, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`shipping_address\` add index \`shipping_address_customer_id_index\`(\`customer_id\`);`);
    this.addSql(`alter table \`shipping_address\` add index \`shipping_address_customer_default\`(\`customer_id\`, \`is_default\`);`);
    this.addSql(`alter table \`shipping_address\` add constraint \`shipping_address_customer_id_foreign\` foreign key (\`customer_id\`) references \`customer\` (\`id\`) on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`shipping_address\`;`);
  }
}
