/**
 * The listing benchmark served from a MySQL read replica (README "Scaling out"): with
 * BENCH_REPLICA_URL (a replica of BENCH_MYSQL_URL's server, no database: the app adds the
 * benchmark's), the app instances of the run read the listing from it, which this module checks
 * before measuring and counts while measuring (the replica's own `Com_select`). The bare handler
 * stays on the primary. `bench/replicas.ts` starts a MariaDB primary and replica and runs the
 * benchmark on them.
 */
import mysql from 'mysql2/promise';
import { MYSQL_URL } from './lib';

export const REPLICA_URL = process.env.BENCH_REPLICA_URL;

/** The app's replica settings for the run (none without BENCH_REPLICA_URL). */
export function replicaEnv(): Record<string, string> {
  return REPLICA_URL ? { DATABASE_REPLICA_URLS: REPLICA_URL, DATABASE_REPLICA_CHECK_INTERVAL_MS: '1000' } : {};
}

/** Waits until the replica holds the seeded catalog and the app reports it `ok`, so the run reads it from the first request. */
export async function untilReplicaServes(db: string, appUrl: string): Promise<void> {
  if (!REPLICA_URL) return;
  const count = async (url: string) => {
    const conn = await mysql.createConnection(url);
    try {
      const [rows] = await conn.query(
        `select (select count(*) from \`${db}\`.product) + (select count(*) from \`${db}\`.product_image) as n`,
      );
      return Number((rows as Array<{ n: number }>)[0]!.n);
    } finally {
      await conn.end();
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [primary, replica] = await Promise.all([count(MYSQL_URL), count(REPLICA_URL).catch(() => -1)]);
    const ready = (await (await fetch(`${appUrl}/readyz`)).json()) as { replicas?: Array<{ state: string }> };
    if (primary === replica && ready.replicas?.[0]?.state === 'ok') return;
    if (Date.now() > deadline)
      throw new Error(`the replica never caught up with the seed (${replica}/${primary} rows) or is not ok: ${JSON.stringify(ready)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The replica's `Com_select` (statements it has run), to show the listing really read it; null without a replica. */
export async function replicaSelects(): Promise<number | null> {
  if (!REPLICA_URL) return null;
  const conn = await mysql.createConnection(REPLICA_URL);
  try {
    const [rows] = await conn.query("show global status like 'Com_select'");
    return Number((rows as Array<{ Value: string }>)[0]!.Value);
  } finally {
    await conn.end();
  }
}
