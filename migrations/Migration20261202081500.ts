import { Migration } from '@mikro-orm/migrations';

/**
 * An order's public id (Toss's orderId, base64url: upper and lower case differ) is compared
 * byte for byte: under the table's case-insensitive, pad-space collation `order_id = ?` matched
 * another case or the id with trailing spaces, so `cancelOrder`/`order` found an order by an id
 * that is not its id on MySQL (NOT_FOUND on SQLite, whose comparison is binary). The binary
 * collation without padding is `utf8mb4_nopad_bin` on MariaDB and `utf8mb4_0900_bin` on MySQL 8;
 * `utf8mb4_bin` (binary, but pads) where neither exists. MikroORM does not track column
 * collations, so the entity keeps its plain `varchar(64)`.
 */
export class Migration20261202081500 extends Migration {

  override async up(): Promise<void> {
    const known = await this.execute(
      `select collation_name as name from information_schema.collations where collation_name in ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')`,
    );
    const names = known.map((row) => String(row.name ?? row.NAME));
    const collation = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'].find((name) => names.includes(name)) ?? 'utf8mb4_bin';
    this.addSql(`alter table \`customer_order\` modify \`order_id\` varchar(64) character set utf8mb4 collate ${collation} not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`customer_order\` modify \`order_id\` varchar(64) character set utf8mb4 collate utf8mb4_unicode_ci not null;`);
  }

}
