import { Migration } from '@mikro-orm/migrations';

/**
 * Read replicas' heartbeat (db/replica-heartbeat.ts): each app instance writes its own row here on
 * the primary and reads it back on every replica, to measure how far behind a replica is and to
 * tell that it replicates this primary at all.
 */
export class Migration20261202050452 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`replica_heartbeat\` (\`instance_id\` varchar(32) not null, \`beat\` bigint unsigned not null, \`written_at\` datetime(3) not null, primary key (\`instance_id\`)) default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`replica_heartbeat\`;`);
  }

}
