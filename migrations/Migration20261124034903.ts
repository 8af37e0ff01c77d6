import { Migration } from '@mikro-orm/migrations';

export class Migration20261124034903 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`payment\` (\`id\` int unsigned not null auto_increment primary key, \`order_id\` int unsigned not null, \`payment_key\` varchar(200) not null, \`method\` varchar(50) null, \`amount\` int unsigned not null, \`status\` enum('READY', 'DONE', 'CANCELED', 'ABORTED') not null default 'READY', \`approved_at\` datetime(3) null, \`canceled_at\` datetime(3) null, \`cancel_reason\` varchar(200) null, \`receipt_url\` varchar(1024) null, \`failure_code\` varchar(64) null, \`failure_message\` varchar(510) null, \`last_response\` json null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`payment\` add index \`payment_order_id_index\`(\`order_id\`);`);
    this.addSql(`alter table \`payment\` add unique \`payment_order_unique\`(\`order_id\`);`);
    this.addSql(`alter table \`payment\` add unique \`payment_payment_key_unique\`(\`payment_key\`);`);
    this.addSql(`alter table \`payment\` add index \`payment_status_updated\`(\`status\`, \`updated_at\`);`);

    this.addSql(`alter table \`payment\` add constraint \`payment_order_id_foreign\` foreign key (\`order_id\`) references \`customer_order\` (\`id\`) on update cascade on delete restrict;`);



  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`payment\`;`);




  }

}
