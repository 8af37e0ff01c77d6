import type { EntityManager } from '@mikro-orm/knex';
import type { DatabaseConfig, ReplicaConfig } from '../config';
import type { Logger } from '../logger';
import { closeOrm, openReplicaOrm, type Orm, type QueryTap } from './orm';
import { redactUrl } from '../services/shared/redact-url';
import { withTimeout } from '../services/shared/time-limit';
import { readPoolOf } from './read-pool';
import { Heartbeat, monotonicNow, query } from './replica-heartbeat';
import { beatIntervalMs, CHECK_TIMEOUT_MS, healthOf, pickReplica, stalenessMs, type ReplicaHealth } from './replica-status';

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

/**
 * The read replicas of DATABASE_URL (DATABASE_REPLICA_URLS). This instance writes a heartbeat on
 * the primary (db/replica-heartbeat.ts) and checks each replica on a loop of its own, every
 * `checkIntervalMs`, by the beat of ours it shows (db/replica-status.ts): `pick()` hands out only
 * those that show a beat at most the lag bound old, round robin. A replica that does not answer
 * delays only its own checks. A read that fails on a replica reports it (`reportFailure`), which
 * takes it out of rotation until its next check. Which reads may use a replica at all is decided
 * elsewhere (db/read-route.ts).
 */
export class ReplicaSet {
  private cursor = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private beatFailing = false;

  private constructor(
    readonly replicas: readonly Replica[],
    private readonly config: ReplicaConfig,
    private readonly heartbeat: Heartbeat,
    private readonly logger: Logger,
  ) {}

  /** Opens an ORM on every replica, writes a first beat and checks each replica once; null when there are none. */
  static async open(database: DatabaseConfig, primary: Orm, logger: Logger, onQuery?: QueryTap): Promise<ReplicaSet | null> {
    if (database.kind !== 'mysql' || !database.replicas?.urls.length) return null;
    const config = database.replicas;
    const replicas: Replica[] = [];
    try {
      for (const [i, url] of config.urls.entries()) {
        const orm = await openReplicaOrm(database, url, logger, onQuery);
        replicas.push({ index: i + 1, name: redactUrl(url, { hideQuery: true }), orm, health: { state: 'unchecked', lagSeconds: null } });
      }
    } catch (err) {
      await Promise.all(replicas.map((r) => closeOrm(r.orm).catch(() => undefined)));
      throw err;
    }
    // Sent beats are remembered well past the lag bound (a beat older than those is past it).
    const heartbeat = new Heartbeat(primary, Math.max(2 * config.maxLagSeconds * 1000, 60_000));
    const set = new ReplicaSet(replicas, config, heartbeat, logger);
    await set.beat();
    await set.checkAll();
    set.loop(() => set.beat(), beatIntervalMs(config));
    for (const replica of replicas) set.loop(() => set.check(replica), config.checkIntervalMs);
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

  /** Checks every replica now (each is also checked every `checkIntervalMs` on its own loop). */
  async checkAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.check(r)));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.running);
    await Promise.all(this.replicas.map((r) => closeOrm(r.orm)));
  }

  /** Runs `work` every `ms` after the last run ended, until closed; the timers never keep a process alive. */
  private loop(work: () => Promise<void>, ms: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = work().finally(() => {
        this.running.delete(run);
        this.loop(work, ms);
      });
      this.running.add(run);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Writes the next beat on the primary; a primary that does not take it is logged once (replicas then fall behind the bound). */
  private async beat(): Promise<void> {
    try {
      await this.heartbeat.write();
      if (this.beatFailing) this.logger.info('replica heartbeat written again');
      this.beatFailing = false;
    } catch (err) {
      if (!this.beatFailing && !this.closed) this.logger.warn({ err: (err as Error).message }, 'could not write the replica heartbeat');
      this.beatFailing = true;
    }
  }

  private async check(replica: Replica): Promise<void> {
    const before = replica.health.state;
    try {
      const pool = readPoolOf(replica.orm.em);
      if (!pool) throw new Error('a replica has no read pool');
      const [beat, status] = await withTimeout(
        Promise.all([this.heartbeat.seenOn(pool), replicationStatus(pool)]),
        CHECK_TIMEOUT_MS,
        `no answer from the replica in ${CHECK_TIMEOUT_MS} ms`,
      );
      const now = monotonicNow();
      const firstAt = this.heartbeat.firstAt ?? now;
      replica.health = healthOf(
        { staleMs: stalenessMs(this.heartbeat, beat, now), sinceFirstBeatMs: now - firstAt, status },
        this.config.maxLagSeconds,
      );
    } catch (err) {
      replica.health = { state: 'down', lagSeconds: null };
      if (before !== 'down' && !this.closed) {
        this.logger.warn({ replica: replica.name, err: (err as Error).message }, 'read replica unreachable');
      }
    }
    const after = replica.health;
    if (after.state !== before && after.state !== 'down' && after.state !== 'unchecked') {
      const log = after.state === 'ok' ? this.logger.info.bind(this.logger) : this.logger.warn.bind(this.logger);
      log({ replica: replica.name, state: after.state, lagSeconds: after.lagSeconds }, `read replica ${after.state}`);
    }
  }
}

/**
 * The replica's own replication status row: undefined when it replicates from nothing (or is
 * Aurora, which has none), null when this user may not read it (the heartbeat decides alone).
 */
async function replicationStatus(pool: import('mysql2').Pool): Promise<Record<string, unknown> | undefined | null> {
  try {
    return (await query(pool, 'show replica status'))[0];
  } catch (err) {
    const errno = (err as { errno?: number }).errno;
    if (errno === ER_SPECIFIC_ACCESS_DENIED || errno === ER_ACCESS_DENIED) return null;
    // MySQL before 8.0.22 and MariaDB before 10.5 know only the older name.
    if (errno !== ER_PARSE_ERROR) throw err;
  }
  try {
    return (await query(pool, 'show slave status'))[0];
  } catch (err) {
    const errno = (err as { errno?: number }).errno;
    if (errno === ER_SPECIFIC_ACCESS_DENIED || errno === ER_ACCESS_DENIED) return null;
    throw err;
  }
}

const ER_PARSE_ERROR = 1064;
const ER_ACCESS_DENIED = 1045;
const ER_SPECIFIC_ACCESS_DENIED = 1227;
