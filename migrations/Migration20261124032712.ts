import { Migration } from '@mikro-orm/migrations';

export class Migration20261124032712 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`customer_order\` (\`id\` int unsigned not null auto_increment primary key, \`order_id\` varchar(64) not null, \`customer_id\` int unsigned not null, \`order_name\` varchar(100) not null, \`status\` enum('PAYMENT_PENDING', 'ORDER_COMPLETED', 'SHIPPING', 'DELIVERED', 'CANCELLED', 'PAYMENT_FAILED') not null default 'PAYMENT_PENDING', \`total_amount\` int unsigned not null, \`failure_code\` varchar(64) null, \`failure_message\` varchar(255) null, \`cancel_reason\` varchar(200) null, \`expires_at\` datetime(3) not null, \`ordered_at\` datetime(3) not null, \`paid_at\` datetime(3) null, \`cancelled_at\` datetime(3) null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`customer_order\` add unique \`customer_order_order_id\`(\`order_id\`);`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_customer_id_index\`(\`customer_id\`);`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_status_expires\`(\`status\`, \`expires_at\`);`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_status\`(\`status\`, \`id\`);`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_customer_status\`(\`customer_id\`, \`status\`, \`id\`);`);
    this.addSql(`alter table \`customer_order\` add index \`customer_order_customer\`(\`customer_id\`, \`id\`);`);

    this.addSql(`create table \`order_status_change\` (\`id\` int unsigned not null auto_increment primary key, \`order_id\` int unsigned not null, \`from_status\` enum('PAYMENT_PENDING', 'ORDER_COMPLETED', 'SHIPPING', 'DELIVERED', 'CANCELLED', 'PAYMENT_FAILED') null, \`to_status\` enum('PAYMENT_PENDING', 'ORDER_COMPLETED', 'SHIPPING', 'DELIVERED', 'CANCELLED', 'PAYMENT_FAILED') not null, \`reason\` varchar(255) null, \`at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`order_status_change\` add index \`order_status_change_order_id_index\`(\`order_id\`);`);

    this.addSql(`create table \`cart_line\` (\`id\` int unsigned not null auto_increment primary key, \`customer_id\` int unsigned not null, \`product_id\` int unsigned not null, \`quantity\` int unsigned not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`cart_line\` add index \`cart_line_customer_id_index\`(\`customer_id\`);`);
    this.addSql(`alter table \`cart_line\` add index \`cart_line_product_id_index\`(\`product_id\`);`);
    this.addSql(`alter table \`cart_line\` add unique \`cart_line_customer_product\`(\`customer_id\`, \`product_id\`);`);

    this.addSql(`create table \`order_item\` (\`id\` int unsigned not null auto_increment primary key, \`order_id\` int unsigned not null, \`product_id\` int unsigned not null, \`seller_id\` int unsigned not null, \`product_name\` varchar(100) not null, \`unit_price\` int unsigned not null, \`quantity\` int unsigned not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`order_item\` add index \`order_item_order_id_index\`(\`order_id\`);`);
    this.addSql(`alter table \`order_item\` add index \`order_item_product_id_index\`(\`product_id\`);`);
    this.addSql(`alter table \`order_item\` add index \`order_item_seller_id_index\`(\`seller_id\`);`);
    this.addSql(`alter table \`order_item\` add index \`order_item_seller_order\`(\`seller_id\`, \`order_id\`);`);

    this.addSql(`alter table \`customer_order\` add constraint \`customer_order_customer_id_foreign\` foreign key (\`customer_id\`) references \`customer\` (\`id\`) on update cascade on delete restrict;`);

    this.addSql(`alter table \`order_status_change\` add constraint \`order_status_change_order_id_foreign\` foreign key (\`order_id\`) references \`customer_order\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`cart_line\` add constraint \`cart_line_customer_id_foreign\` foreign key (\`customer_id\`) references \`customer\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`cart_line\` add constraint \`cart_line_product_id_foreign\` foreign key (\`product_id\`) references \`product\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`order_item\` add constraint \`order_item_order_id_foreign\` foreign key (\`order_id\`) references \`customer_order\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`order_item\` add constraint \`order_item_seller_id_foreign\` foreign key (\`seller_id\`) references \`seller\` (\`id\`) on update cascade on delete restrict;`);

  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`order_status_change\` drop foreign key \`order_status_change_order_id_foreign\`;`);

    this.addSql(`alter table \`order_item\` drop foreign key \`order_item_order_id_foreign\`;`);

    this.addSql(`drop table if exists \`customer_order\`;`);

    this.addSql(`drop table if exists \`order_status_change\`;`);

    this.addSql(`drop table if exists \`cart_line\`;`);

    this.addSql(`drop table if exists \`order_item\`;`);

  }

}
