import { Migration } from '@mikro-orm/migrations';

export class Migration20261124023420 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`admin\` (\`id\` int unsigned not null auto_increment primary key, \`email\` varchar(254) not null, \`name\` varchar(100) not null, \`password_hash\` varchar(255) not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`admin\` add unique \`admin_email_unique\`(\`email\`);`);

    this.addSql(`create table \`auth_session\` (\`id\` varchar(36) not null, \`role\` enum('CUSTOMER', 'SELLER', 'ADMIN') not null, \`account_id\` int unsigned not null, \`created_at\` datetime(3) not null, \`expires_at\` datetime(3) not null, \`revoked_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`auth_session\` add index \`auth_session_role_account_id_index\`(\`role\`, \`account_id\`);`);

    this.addSql(`create table \`customer\` (\`id\` int unsigned not null auto_increment primary key, \`email\` varchar(254) not null, \`name\` varchar(100) not null, \`password_hash\` varchar(255) not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`customer\` add unique \`customer_email_unique\`(\`email\`);`);

    this.addSql(`create table \`seller\` (\`id\` int unsigned not null auto_increment primary key, \`email\` varchar(254) not null, \`name\` varchar(100) not null, \`password_hash\` varchar(255) not null, \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`seller\` add unique \`seller_email_unique\`(\`email\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`admin\`;`);

    this.addSql(`drop table if exists \`auth_session\`;`);

    this.addSql(`drop table if exists \`customer\`;`);

    this.addSql(`drop table if exists \`seller\`;`);
  }

}
