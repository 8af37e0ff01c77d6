import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'mysql2';
import { withTimeout } from '../services/shared/time-limit';
import type { Orm } from './orm';
import { CHECK_TIMEOUT_MS, type SentBeats } from './replica-status';

/** Rows of instances that have written nothing for this long are deleted (they stopped). */
const DEAD_AFTER = 'interval 1 day';
/** How often an instance deletes those rows. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** The instance's monotonic clock, in ms (wall-clock steps never change a measured lag). */
export const monotonicNow = (): number => performance.now();

/**
 * This instance's heartbeat on the primary (pt-heartbeat style; README "Scaling out"): a row of
 * `replica_heartbeat` under a random id made at start, whose beat number goes up with each
 * write, remembering on the instance's own clock when each beat was sent. A replica that shows
 * beat n has everything the primary committed before n was sent (db/replica-status.ts
 * `stalenessMs`); one that never shows our row does not replicate this primary. Works wherever
 * the replica replicates the table (MySQL, MariaDB, RDS, Aurora), with no replication privilege.
 */
export class Heartbeat implements SentBeats {
  readonly instanceId = randomBytes(16).toString('hex');
  readonly sent = new Map<number, number>();
  forgotten: { beat: number; at: number } | null = null;
  firstAt: number | null = null;
  private beat = 0;
  private prunedAt = -Infinity;

  /** `keepMs`: how long a sent beat is remembered (longer than any lag bound, so one forgotten is past it). */
  constructor(
    private readonly primary: Orm,
    private readonly keepMs: number,
  ) {}

  /** Writes the next beat on the primary (and now and then deletes dead instances' rows). Throws if the primary does not take it. */
  async write(): Promise<void> {
    const beat = ++this.beat;
    const at = monotonicNow();
    this.firstAt ??= at;
    // Noted before it is sent: whenever it commits, everything committed before this moment is before it.
    this.sent.set(beat, at);
    for (const [old, oldAt] of this.sent) {
      if (at - oldAt <= this.keepMs) break;
      this.sent.delete(old);
      this.forgotten = { beat: old, at: oldAt };
    }
    await this.execute(
      'insert into `replica_heartbeat` (`instance_id`, `beat`, `written_at`) values (?, ?, now(3)) ' +
        'on duplicate key update `beat` = values(`beat`), `written_at` = values(`written_at`)',
      [this.instanceId, beat],
    );
    if (at - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = at;
      await this.execute(`delete from \`replica_heartbeat\` where \`written_at\` < now(3) - ${DEAD_AFTER}`, []);
    }
  }

  /** The beat of ours `pool` (a replica's read pool) shows: null when our row is not there (or not the table). */
  async seenOn(pool: Pool): Promise<number | null> {
    try {
      const rows = await query(pool, 'select `beat` from `replica_heartbeat` where `instance_id` = ?', [this.instanceId]);
      return rows.length ? Number(rows[0].beat) : null;
    } catch (err) {
      // No such table: the server holds no database of this primary's schema.
      if ((err as { errno?: number }).errno === ER_NO_SUCH_TABLE) return null;
      throw err;
    }
  }

  private async execute(sql: string, params: unknown[]): Promise<void> {
    const statement = this.primary.em.getConnection().execute(sql, params, 'run');
    await withTimeout(statement, CHECK_TIMEOUT_MS, 'no answer from the primary to a heartbeat');
  }
}

const ER_NO_SUCH_TABLE = 1146;

/** One statement on a mysql2 pool, given up after CHECK_TIMEOUT_MS. */
export function query(pool: Pool, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    pool.query({ sql, values, timeout: CHECK_TIMEOUT_MS }, (err, rows) => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))),
  );
}
