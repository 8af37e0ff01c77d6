import type { EntityManager } from '@mikro-orm/knex';
import type { DatabaseConfig, ReplicaConfig } from '../config';
import type { Logger } from '../logger';
import { closeOrm, openReplicaOrm, type Orm, type QueryTap } from './orm';
import { readPoolOf } from './read-pool';
import { healthOf, pickReplica, redactReplicaUrl, type ReplicaHealth } from './replica-status';

/** One read replica: its ORM (read-only sessions, its own pools) and its health as last seen. */
export type Replica = {
  /** 1-based, as in DATABASE_REPLICA_URLS. */
  readonly index: number;
  /** The URL with its password hidden. */
  readonly name: string;
  readonly orm: Orm;
  health: ReplicaHealth;
};

/** How one replica looks on /readyz. */
export type ReplicaReport = { replica: string; state: ReplicaHealth['state']; lagSeconds: number | null };

/** A status read that takes longer than this counts as the replica being down. */
const STATUS_TIMEOUT_MS = 2000;

/**
 * The read replicas of DATABASE_URL (DATABASE_REPLICA_URLS): each is checked every
 * `checkIntervalMs` from its own replication status (db/replica-status.ts), and `pick()` hands out
 * only those that are replicating within the lag bound, round robin. A read that fails on a
 * replica reports it (`reportFailure`), which takes it out of rotation until its next check.
 * Which reads may use a replica at all is decided elsewhere (db/read-route.ts).
 */
export class ReplicaSet {
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly replicas: readonly Replica[],
    private readonly config: ReplicaConfig,
    private readonly logger: Logger,
  ) {}

  /** Opens an ORM on every replica and checks each once; null when there are none. */
  static async open(database: DatabaseConfig, logger: Logger, onQuery?: QueryTap): Promise<ReplicaSet | null> {
    if (database.kind !== 'mysql' || !database.replicas?.urls.length) return null;
    const config = database.replicas;
    const replicas: Replica[] = [];
    try {
      for (const [i, url] of config.urls.entries()) {
        const orm = await openReplicaOrm(database, url, logger, onQuery);
        replicas.push({ index: i + 1, name: redactReplicaUrl(url), orm, health: { state: 'unchecked', lagSeconds: null } });
      }
    } catch (err) {
      await Promise.all(replicas.map((r) => closeOrm(r.orm).catch(() => undefined)));
      throw err;
    }
    const set = new ReplicaSet(replicas, config, logger);
    await set.checkAll();
    set.schedule();
    return set;
  }

  /** A replica in state `ok` to read from, or null (read from the primary). */
  pick(): Replica | null {
    return pickReplica(this.replicas, this.cursor++);
  }

  /** A read on `replica` failed: it serves no reads until its next check finds it well. */
  reportFailure(replica: Replica, err: unknown): void {
    // Closing: a read still running on a closed pool says nothing about the replica.
    if (replica.health.state !== 'ok' || this.closed) return;
    replica.health = { state: 'down', lagSeconds: null };
    this.logger.warn({ replica: replica.name, err: (err as Error)?.message }, 'a read on a replica failed; reading from the primary');
  }

  /** The root EntityManager of a replica (plain SQL through its read pool). */
  rootOf(replica: Replica): EntityManager {
    return replica.orm.em;
  }

  reports(): ReplicaReport[] {
    return this.replicas.map((r) => ({ replica: r.name, state: r.health.state, lagSeconds: r.health.lagSeconds }));
  }

  /** Reads every replica's status now (also run every `checkIntervalMs`). */
  async checkAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.check(r)));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.checking;
    await Promise.all(this.replicas.map((r) => closeOrm(r.orm)));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.checking = this.checkAll().finally(() => {
        this.checking = undefined;
        this.schedule();
      });
    }, this.config.checkIntervalMs);
    // The checks never keep a process alive on their own.
    this.timer.unref();
  }

  private async check(replica: Replica): Promise<void> {
    const before = replica.health.state;
    try {
      replica.health = healthOf(await this.status(replica), this.config.maxLagSeconds);
    } catch (err) {
      replica.health = { state: 'down', lagSeconds: null };
      if (before !== 'down') this.logger.warn({ replica: replica.name, err: (err as Error).message }, 'read replica unreachable');
    }
    const after = replica.health;
    if (after.state !== before && after.state !== 'down') {
      const log = after.state === 'ok' ? this.logger.info.bind(this.logger) : this.logger.warn.bind(this.logger);
      log({ replica: replica.name, state: after.state, lagSeconds: after.lagSeconds }, `read replica ${after.state}`);
    }
  }

  /** The replica's own replication status row (undefined when it replicates from nothing). */
  private async status(replica: Replica): Promise<Record<string, unknown> | undefined> {
    const pool = readPoolOf(replica.orm.em);
    if (!pool) throw new Error('a replica has no read pool');
    const query = (sql: string) =>
      new Promise<Record<string, unknown>[]>((resolve, reject) =>
        pool.query({ sql, timeout: STATUS_TIMEOUT_MS }, (err, rows) => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))),
      );
    try {
      return (await query('show replica status'))[0];
    } catch (err) {
      // MySQL before 8.0.22 and MariaDB before 10.5 know only the older name.
      if ((err as { errno?: number }).errno !== ER_PARSE_ERROR) throw err;
      return (await query('show slave status'))[0];
    }
  }
}

const ER_PARSE_ERROR = 1064;
