/**
 * `node -r @swc-node/register bench/replicas.ts [listing]`: the listing benchmark with the app
 * reading from a MySQL read replica. Starts a MariaDB primary and a GTID replica on loopback
 * (test/helpers/mariadb-replica.ts), then runs `bench/run.ts` on them with BENCH_MYSQL_URL (the
 * primary) and BENCH_REPLICA_URL (the replica); other BENCH_* variables pass through.
 * BENCH_REPLICA=off: the same servers, the app reading from the primary (the baseline to compare with).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startMariaDbReplicaPair } from '../test/helpers/mariadb-replica';

async function main(): Promise<number> {
  const pair = await startMariaDbReplicaPair();
  console.log(`MariaDB primary ${pair.primaryUrl}, replica ${pair.replicaUrl}`);
  try {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'run.ts'), ...(process.argv.slice(2).length ? process.argv.slice(2) : ['listing'])],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          BENCH_MYSQL_URL: pair.primaryUrl,
          ...(process.env.BENCH_REPLICA === 'off' ? {} : { BENCH_REPLICA_URL: pair.replicaUrl }),
        },
      },
    );
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    await pair.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
