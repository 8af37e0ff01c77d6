import { Migration } from '@mikro-orm/migrations';

export class Migration20261124040007 extends Migration {

  override async up(): Promise<void> {

    this.addSql(`alter table \`order_status_change\` add \`customer_id\` int unsigned not null, add \`order_code\` varchar(64) not null, add \`kind\` enum('CREATED', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'SHIPPING', 'DELIVERED') not null, add \`payment_status\` enum('READY', 'DONE', 'CANCELED', 'ABORTED') null, add \`published_at\` datetime(3) null, add \`read_at\` datetime(3) null;`);
    // Rows written before events existed: fill them from their orders and count them as published.
    this.addSql(`update \`order_status_change\` c join \`customer_order\` o on o.\`id\` = c.\`order_id\` set c.\`customer_id\` = o.\`customer_id\`, c.\`order_code\` = o.\`order_id\`, c.\`published_at\` = c.\`at\`;`);
    this.addSql(`alter table \`order_status_change\` add constraint \`order_status_change_customer_id_foreign\` foreign key (\`customer_id\`) references \`customer\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`order_status_change\` add index \`order_status_change_customer_id_index\`(\`customer_id\`);`);
    this.addSql(`alter table \`order_status_change\` add index \`order_status_change_unpublished\`(\`published_at\`, \`id\`);`);
    this.addSql(`alter table \`order_status_change\` add index \`order_status_change_customer\`(\`customer_id\`, \`id\`);`);



  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`order_status_change\` drop foreign key \`order_status_change_customer_id_foreign\`;`);


    this.addSql(`alter table \`order_status_change\` drop index \`order_status_change_customer_id_index\`;`);
    this.addSql(`alter table \`order_status_change\` drop index \`order_status_change_unpublished\`;`);
    this.addSql(`alter table \`order_status_change\` drop index \`order_status_change_customer\`;`);
    this.addSql(`alter table \`order_status_change\` drop column \`customer_id\`, drop column \`order_code\`, drop column \`kind\`, drop column \`payment_status\`, drop column \`published_at\`, drop column \`read_at\`;`);



  }

}
