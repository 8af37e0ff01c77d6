import { Migration } from '@mikro-orm/migrations';

/**
 * Product search (services/catalog/search): the n-gram index and the searchable texts, with a
 * binary collation so a gram or a word matches exactly what it is (as on SQLite), not what
 * utf8mb4_unicode_ci would fold together; MEDIUMTEXT, as NFKC can make a text many times longer
 * (one ﷺ is 18 letters), past TEXT's 64 KB. Existing products are indexed at the next start (or by
 * `npm run search:reindex`). The price sorts' and a seller's catalog's indexes. Products with no
 * stock left are SOLD_OUT, the rule from now on.
 */
export class Migration20261201215241 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`product_search_gram\` (\`gram\` varchar(2) character set utf8mb4 collate utf8mb4_bin not null, \`product_id\` int unsigned not null, primary key (\`gram\`, \`product_id\`)) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`product_search_gram\` add index \`product_search_gram_product\`(\`product_id\`);`);
    this.addSql(`create table \`product_search_doc\` (\`product_id\` int unsigned not null, \`name_text\` mediumtext character set utf8mb4 collate utf8mb4_bin not null, \`body_text\` mediumtext character set utf8mb4 collate utf8mb4_bin not null, primary key (\`product_id\`)) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
    this.addSql(`alter table \`product_search_gram\` add constraint \`product_search_gram_product_id_foreign\` foreign key (\`product_id\`) references \`product\` (\`id\`) on update cascade on delete cascade;`);
    this.addSql(`alter table \`product_search_doc\` add constraint \`product_search_doc_product_id_foreign\` foreign key (\`product_id\`) references \`product\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`product\` add index \`product_seller_newest\`(\`seller_id\`, \`created_at\`, \`id\`);`);
    this.addSql(`alter table \`product\` add index \`product_listed_category_price\`(\`listed\`, \`category_id\`, \`price\`, \`id\`);`);
    this.addSql(`alter table \`product\` add index \`product_listed_price\`(\`listed\`, \`price\`, \`id\`);`);

    this.addSql(`update \`product\` set \`status\` = 'SOLD_OUT' where \`stock\` = 0 and \`status\` = 'ON_SALE';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`product_search_gram\`;`);
    this.addSql(`drop table if exists \`product_search_doc\`;`);
    this.addSql(`alter table \`product\` drop index \`product_seller_newest\`;`);
    this.addSql(`alter table \`product\` drop index \`product_listed_category_price\`;`);
    this.addSql(`alter table \`product\` drop index \`product_listed_price\`;`);
  }

}
