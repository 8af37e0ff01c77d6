import { Migration } from '@mikro-orm/migrations';

export class Migration20261124024629 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`category\` (\`id\` int unsigned not null auto_increment primary key, \`name\` varchar(50) not null, \`parent_id\` int unsigned null, \`created_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`category\` add unique \`category_name_unique\`(\`name\`);`);
    this.addSql(`alter table \`category\` add index \`category_parent_id_index\`(\`parent_id\`);`);

    this.addSql(`create table \`product\` (\`id\` int unsigned not null auto_increment primary key, \`seller_id\` int unsigned not null, \`category_id\` int unsigned null, \`name\` varchar(100) not null, \`description\` text not null, \`price\` int unsigned not null, \`stock\` int unsigned not null, \`status\` enum('ON_SALE', 'SOLD_OUT', 'HIDDEN') not null default 'ON_SALE', \`deleted_at\` datetime(3) null, \`listed\` tinyint(1) generated always as (\`deleted_at\` is null and \`status\` <> 'HIDDEN') stored, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`product\` add index \`product_seller_id_index\`(\`seller_id\`);`);
    this.addSql(`alter table \`product\` add index \`product_category_id_index\`(\`category_id\`);`);
    this.addSql(`alter table \`product\` add index \`product_listed_category_name\`(\`listed\`, \`category_id\`, \`name\`, \`id\`);`);
    this.addSql(`alter table \`product\` add index \`product_listed_category_newest\`(\`listed\`, \`category_id\`, \`created_at\`, \`id\`);`);
    this.addSql(`alter table \`product\` add index \`product_listed_name\`(\`listed\`, \`name\`, \`id\`);`);
    this.addSql(`alter table \`product\` add index \`product_listed_newest\`(\`listed\`, \`created_at\`, \`id\`);`);

    this.addSql(`create table \`product_image\` (\`id\` int unsigned not null auto_increment primary key, \`product_id\` int unsigned not null, \`storage_key\` varchar(255) not null, \`url\` varchar(1024) not null, \`content_type\` varchar(50) not null, \`size\` int unsigned not null, \`position\` int unsigned not null, \`created_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`product_image\` add index \`product_image_product_id_index\`(\`product_id\`);`);
    this.addSql(`alter table \`product_image\` add index \`product_image_product_id_position_index\`(\`product_id\`, \`position\`);`);

    this.addSql(`alter table \`category\` add constraint \`category_parent_id_foreign\` foreign key (\`parent_id\`) references \`category\` (\`id\`) on update cascade on delete restrict;`);

    this.addSql(`alter table \`product\` add constraint \`product_seller_id_foreign\` foreign key (\`seller_id\`) references \`seller\` (\`id\`) on update cascade on delete restrict;`);
    this.addSql(`alter table \`product\` add constraint \`product_category_id_foreign\` foreign key (\`category_id\`) references \`category\` (\`id\`) on update cascade on delete restrict;`);

    this.addSql(`alter table \`product_image\` add constraint \`product_image_product_id_foreign\` foreign key (\`product_id\`) references \`product\` (\`id\`) on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`category\` drop foreign key \`category_parent_id_foreign\`;`);

    this.addSql(`alter table \`product\` drop foreign key \`product_category_id_foreign\`;`);

    this.addSql(`alter table \`product_image\` drop foreign key \`product_image_product_id_foreign\`;`);

    this.addSql(`drop table if exists \`category\`;`);

    this.addSql(`drop table if exists \`product\`;`);

    this.addSql(`drop table if exists \`product_image\`;`);
  }

}
