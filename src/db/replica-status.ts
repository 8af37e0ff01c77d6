/**
 * The pure rules of read replicas (README "Scaling out"): what a replica's heartbeat (and its own
 * replication status) says about it, which replica a read may use, and how long an account's
 * reads stay on the primary after it wrote. No I/O here (db/replica-heartbeat.ts writes the
 * beats, db/replicas.ts checks the servers, db/read-route.ts routes the reads).
 */

/**
 * `ok`: it shows a heartbeat of ours at most the lag bound old. `lagging`: its heartbeat is older.
 * `stopped`: its own replication status says a replication thread is not running. `down`: it could
 * not be read (unreachable, or no answer within CHECK_TIMEOUT_MS) or a read on it failed.
 * `not this primary's replica`: it has no heartbeat of this instance though we wrote one longer
 * ago than the lag bound (it replicates another server, or is further behind than the bound since
 * we started). `unchecked`: not read yet, or waiting for our first beat (within that grace).
 * Only `ok` serves reads.
 */
export type ReplicaState = 'ok' | 'lagging' | 'stopped' | 'down' | "not this primary's replica" | 'unchecked';

export type ReplicaHealth = { state: ReplicaState; lagSeconds: number | null };

/** A replica's status read (the heartbeat read, and the status beside it) that takes longer counts as the replica being down. */
export const CHECK_TIMEOUT_MS = 2000;

/** The beats an instance wrote: beat number → its local monotonic clock (ms) just before it was sent. Oldest first. */
export type SentBeats = {
  readonly sent: ReadonlyMap<number, number>;
  /** The newest beat forgotten (with when it was sent): any beat up to it is at least that old. */
  readonly forgotten: { beat: number; at: number } | null;
  /** When the first beat was sent (null: none yet). */
  readonly firstAt: number | null;
};

/**
 * How stale a replica showing our beat `beat` (null: our row is not there) is at `now`, in ms, at
 * most: it has every write the primary committed before that beat was sent, so it is at most
 * `now - sentAt(beat)` behind. A beat older than those remembered gives a lower bound (already
 * past any lag bound: see Heartbeat's keepMs). Null when it shows no beat of ours.
 */
export function stalenessMs(beats: SentBeats, beat: number | null, now: number): number | null {
  if (beat === null) return null;
  const at = beats.sent.get(beat);
  if (at !== undefined) return Math.max(0, now - at);
  if (beats.forgotten && beat <= beats.forgotten.beat) return Math.max(0, now - beats.forgotten.at);
  // A beat we never sent (another instance with our id?): not ours.
  return null;
}

/**
 * A replica's health from its heartbeat, which decides, and its own replication status, which can
 * only take it out (stopped threads). `staleMs`: stalenessMs (null: no beat of ours there).
 * `sinceFirstBeatMs`: how long ago this instance sent its first beat. `status`: the row of `SHOW
 * REPLICA STATUS` (`SHOW SLAVE STATUS` on older servers), undefined when it has none (Aurora, or
 * a server that is no replica), null when it could not be read (no privilege).
 */
export function healthOf(
  input: { staleMs: number | null; sinceFirstBeatMs: number; status: Record<string, unknown> | undefined | null },
  maxLagSeconds: number,
): ReplicaHealth {
  const boundMs = maxLagSeconds * 1000;
  const { staleMs, status } = input;
  const lagSeconds = staleMs === null ? null : Math.ceil(staleMs / 100) / 10;
  if (staleMs === null && input.sinceFirstBeatMs <= boundMs) return { state: 'unchecked', lagSeconds };
  if (status) {
    const io = status.Replica_IO_Running ?? status.Slave_IO_Running;
    const sqlThread = status.Replica_SQL_Running ?? status.Slave_SQL_Running;
    if (io !== 'Yes' || sqlThread !== 'Yes') return { state: 'stopped', lagSeconds };
  }
  if (staleMs === null) return { state: "not this primary's replica", lagSeconds };
  return { state: staleMs <= boundMs ? 'ok' : 'lagging', lagSeconds };
}

/**
 * The next replica to read from, round robin over those whose state is `ok` (`cursor` counts the
 * picks); null when none is: reads then go to the primary.
 */
export function pickReplica<T extends { health: ReplicaHealth }>(replicas: readonly T[], cursor: number): T | null {
  const usable = replicas.filter((r) => r.health.state === 'ok');
  return usable.length ? usable[cursor % usable.length] : null;
}

/**
 * How often an instance writes its heartbeat: every check interval, but at least four times per
 * lag bound, so a replica that is up to date never looks more than a quarter of the bound behind.
 */
export function beatIntervalMs(config: { maxLagSeconds: number; checkIntervalMs: number }): number {
  return Math.max(100, Math.min(config.checkIntervalMs, (config.maxLagSeconds * 1000) / 4));
}

/**
 * How long after a write its account's reads stay on the primary (the read-your-writes fence).
 * A check that finds a replica `ok` at time c saw a beat sent at c - maxLag or later, so the
 * replica had everything committed before c - maxLag. Each replica is checked on its own loop:
 * the next check starts `checkIntervalMs` after that one ended and ends (a new state, or `down`)
 * within CHECK_TIMEOUT_MS, so the replica serves reads on that finding until c + interval +
 * timeout at the latest, and a read then sees every write committed before read time - maxLag -
 * interval - timeout. The fence is that plus a second of margin (timers and the event loop
 * running late): once it ends, every replica still serving reads has the write. An unreachable
 * replica delays only its own checks.
 */
export function writeFenceMillis(config: { maxLagSeconds: number; checkIntervalMs: number }): number {
  return (config.maxLagSeconds + 1) * 1000 + config.checkIntervalMs + CHECK_TIMEOUT_MS;
}
