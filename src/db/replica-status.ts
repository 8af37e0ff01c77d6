/**
 * The pure rules of read replicas (README "Scaling out"): what a replica's own status says about
 * it, which replica a read may use, and how long an account's reads stay on the primary after it
 * wrote. No I/O here (db/replicas.ts checks the servers; db/read-route.ts routes the reads).
 */

/**
 * `ok`: replicating, at most the bound behind. `lagging`: replicating, but further behind.
 * `stopped`: a replication thread is not running (or the lag is unknown: NULL), so its data may be
 * any age. `down`: the status could not be read (server unreachable) or a read on it failed.
 * `not a replica`: the server has no replication configured. Only `ok` serves reads.
 */
export type ReplicaState = 'ok' | 'lagging' | 'stopped' | 'down' | 'not a replica' | 'unchecked';

export type ReplicaHealth = { state: ReplicaState; lagSeconds: number | null };

/**
 * A replica's health from one row of `SHOW REPLICA STATUS` (MySQL 8.0.22+, MariaDB 10.5+) or
 * `SHOW SLAVE STATUS` (older): both replication threads running, and `Seconds_Behind_Master`
 * (`Seconds_Behind_Source` on MySQL) known and within `maxLagSeconds`.
 */
export function healthOf(status: Record<string, unknown> | undefined, maxLagSeconds: number): ReplicaHealth {
  if (!status) return { state: 'not a replica', lagSeconds: null };
  const io = status.Replica_IO_Running ?? status.Slave_IO_Running;
  const sqlThread = status.Replica_SQL_Running ?? status.Slave_SQL_Running;
  const rawLag = status.Seconds_Behind_Source ?? status.Seconds_Behind_Master;
  const lagSeconds = rawLag === null || rawLag === undefined || rawLag === '' ? null : Number(rawLag);
  if (io !== 'Yes' || sqlThread !== 'Yes' || lagSeconds === null || !Number.isFinite(lagSeconds)) {
    return { state: 'stopped', lagSeconds };
  }
  return { state: lagSeconds <= maxLagSeconds ? 'ok' : 'lagging', lagSeconds };
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
 * How long after a write its account's reads stay on the primary (the read-your-writes fence).
 * A replica that passed its last check was at most `maxLagSeconds` (+1: the status counts whole
 * seconds) behind then, and the next check comes within `checkIntervalMs`, during which it can
 * fall at most that much further behind before it is skipped. So a write is on every replica that
 * serves reads once `maxLag + 1 s + interval` have passed since it committed; the fence is that
 * plus a second of margin for clocks and the check's own time.
 */
export function writeFenceMillis(config: { maxLagSeconds: number; checkIntervalMs: number }): number {
  return (config.maxLagSeconds + 2) * 1000 + config.checkIntervalMs;
}

/** A replica's URL for logs and /readyz: its password and query string (driver options, maybe a password) hidden. */
export function redactReplicaUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // Driver options in the query string may hold a password too: none of it is shown.
    if (u.search) u.search = '?***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
