import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One app instance's heartbeat for its read replicas (db/replica-heartbeat.ts): written on the
 * primary at each check, then read on every replica to tell how far behind it is and that it
 * replicates this primary at all. One row per running instance; rows of instances gone for a day
 * are deleted.
 */
@Entity({ tableName: 'replica_heartbeat' })
export class ReplicaHeartbeat {
  /** Random, made at each start. */
  @PrimaryKey({ type: 'string', length: 32 })
  instanceId!: string;

  /** Counts up from 1 with each write of this instance. */
  @Property({ type: 'bigint', unsigned: true })
  beat!: number;

  /** The primary's clock when written (only for deleting old rows: staleness uses the instance's own clock). */
  @Property({ type: 'datetime', length: 3 })
  writtenAt!: Date;
}
