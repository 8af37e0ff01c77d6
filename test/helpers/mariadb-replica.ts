import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

/**
 * A MariaDB primary and one replica on loopback, for tests: two `mariadbd` processes on their own
 * temporary data directories, free ports and sockets, replicating with GTIDs
 * (`master_use_gtid=slave_pos`). Root has no password over TCP, as on the machine's own server.
 *
 * Facts of these machines: `mariadbd` and `mariadb-install-db` take `--no-defaults` first (the
 * machine's my.cnf names port 3306 and its socket), `--user=root` when run as root, and utf8mb4 is
 * set explicitly. The servers run under `setpriv --pdeathsig KILL`, so they die with the test
 * process even when it never reaches its `stop()`.
 */
export type MariaDbReplicaPair = {
  /** `mysql://root@127.0.0.1:<port>` (no database: append `/<name>`). */
  primaryUrl: string;
  replicaUrl: string;
  /** One statement on either server (root, no database selected unless the SQL names one). */
  query<T = Record<string, unknown>>(server: 'primary' | 'replica', sql: string, params?: unknown[]): Promise<T[]>;
  /** Waits until the replica has applied everything the primary has written so far. */
  waitForReplica(timeoutSeconds?: number): Promise<void>;
  /** `STOP SLAVE`: the replica keeps serving, but falls behind (its `Slave_SQL_Running` is No). */
  stopReplication(): Promise<void>;
  /** `START SLAVE`, then waits until it has caught up. */
  startReplication(): Promise<void>;
  /**
   * Delays applying each event by `seconds` (`master_delay`): the replica keeps replicating, and its
   * `Seconds_Behind_Master` grows only as events wait, so it looks healthy at first while lacking
   * every new write. Returns once both replication threads run again. 0 undoes it.
   */
  delayReplication(seconds: number): Promise<void>;
  /** Stops the replica's server (its port refuses connections). */
  stopReplica(): Promise<void>;
  /** Starts the stopped replica again on the same port and data, replicating from where it stopped. */
  startReplica(): Promise<void>;
  /** Freezes the replica's server (SIGSTOP): connections open and statements sent to it hang, unanswered. */
  pauseReplica(): void;
  /** Lets the frozen replica run again (SIGCONT). */
  resumeReplica(): void;
  /** Stops both servers and removes their data. */
  stop(): Promise<void>;
};

const run = promisify(execFile);

type Server = { name: 'primary' | 'replica'; dir: string; port: number; serverId: number; child: ChildProcess | null };

/** Starts the pair (about 2–3 s: two data directories, two servers, replication set up and checked). */
export async function startMariaDbReplicaPair(): Promise<MariaDbReplicaPair> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-mariadb-'));
  const servers: Record<'primary' | 'replica', Server> = {
    primary: { name: 'primary', dir: path.join(root, 'primary'), port: 0, serverId: 1, child: null },
    replica: { name: 'replica', dir: path.join(root, 'replica'), port: 0, serverId: 2, child: null },
  };
  const pools = new Map<'primary' | 'replica', mysql.Pool>();
  const urlOf = (s: Server) => `mysql://root@127.0.0.1:${s.port}`;
  const poolOf = (name: 'primary' | 'replica') => {
    let pool = pools.get(name);
    if (!pool) {
      pool = mysql.createPool({ uri: urlOf(servers[name]), connectionLimit: 2, multipleStatements: false });
      pools.set(name, pool);
    }
    return pool;
  };
  const closePool = async (name: 'primary' | 'replica') => {
    const pool = pools.get(name);
    pools.delete(name);
    await pool?.end().catch(() => undefined);
  };
  const query = async <T>(name: 'primary' | 'replica', sql: string, params: unknown[] = []): Promise<T[]> => {
    const [rows] = await poolOf(name).query(sql, params);
    return rows as T[];
  };

  const waitForReplica = async (timeoutSeconds = 20) => {
    const [{ pos }] = await query<{ pos: string }>('primary', 'select @@gtid_binlog_pos as pos');
    const [{ done }] = await query<{ done: number }>('replica', 'select master_gtid_wait(?, ?) as done', [pos, timeoutSeconds]);
    if (Number(done) !== 0) throw new Error(`the replica did not reach the primary's position ${pos} in ${timeoutSeconds} s`);
  };

  try {
    await settled([installDataDir(servers.primary.dir), installDataDir(servers.replica.dir)]);
    await settled([launchOnFreePort(servers.primary), launchOnFreePort(servers.replica)]);
    await query(
      'replica',
      `change master to master_host = '127.0.0.1', master_port = ${servers.primary.port}, master_user = 'root', master_use_gtid = slave_pos`,
    );
    await query('replica', 'start slave');
    await waitForReplicationRunning(query);
  } catch (err) {
    for (const name of ['primary', 'replica'] as const) await closePool(name);
    for (const server of Object.values(servers)) await halt(server);
    // The start's own error is the one to report, not a leftover directory's.
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // left in the temporary directory
    }
    throw err;
  }

  return {
    primaryUrl: urlOf(servers.primary),
    replicaUrl: urlOf(servers.replica),
    query,
    waitForReplica,
    async stopReplication() {
      await query('replica', 'stop slave');
    },
    async startReplication() {
      await query('replica', 'start slave');
      await waitForReplicationRunning(query);
      await waitForReplica();
    },
    async delayReplication(seconds: number) {
      await query('replica', 'stop slave');
      await query('replica', `change master to master_delay = ${Math.max(0, Math.floor(seconds))}`);
      await query('replica', 'start slave');
      await waitForReplicationRunning(query);
    },
    async stopReplica() {
      await closePool('replica');
      await halt(servers.replica);
    },
    async startReplica() {
      await launch(servers.replica);
      await waitForReplicationRunning(query);
      await waitForReplica();
    },
    pauseReplica() {
      servers.replica.child?.kill('SIGSTOP');
    },
    resumeReplica() {
      servers.replica.child?.kill('SIGCONT');
    },
    async stop() {
      servers.replica.child?.kill('SIGCONT');
      for (const name of ['primary', 'replica'] as const) await closePool(name);
      await Promise.all(Object.values(servers).map(halt));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

async function installDataDir(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  // Its own temporary directory: bootstraps running at once in /tmp can collide on temporary table names.
  const tmp = path.join(dir, 'install-tmp');
  fs.mkdirSync(tmp, { recursive: true });
  await run(
    'mariadb-install-db',
    [
      '--no-defaults',
      ...asRoot(),
      `--datadir=${path.join(dir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      `--tmpdir=${tmp}`,
    ],
    { timeout: 60_000 },
  );
}

/** Like Promise.all, but rejects only once every promise has settled (so nothing still writes when the caller cleans up). */
async function settled(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Starts a server on a port free a moment ago; another process may take it meanwhile (the
 * machine runs other tests), so a server that cannot bind it tries another, a few times.
 */
async function launchOnFreePort(server: Server): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    server.port = await freePort();
    try {
      return await launch(server);
    } catch (err) {
      const bindFailed = /already in use|Do you already have another (mysqld|mariadbd) server running|Can't start server: Bind/.test(
        String(err),
      );
      if (!bindFailed || attempt >= 3) throw err;
    }
  }
}

/** Starts a server on its data directory and waits until it answers on its port. */
async function launch(server: Server): Promise<void> {
  const { dir, port } = server;
  const args = [
    '--pdeathsig',
    'KILL',
    '--',
    MARIADBD,
    '--no-defaults',
    ...asRoot(),
    `--datadir=${path.join(dir, 'data')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${path.join(dir, 'mariadb.sock')}`,
    `--pid-file=${path.join(dir, 'mariadb.pid')}`,
    `--log-error=${path.join(dir, 'error.log')}`,
    `--tmpdir=${dir}`,
    `--server-id=${server.serverId}`,
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--skip-name-resolve',
    // Small and quick: a test server's data is throwaway.
    '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=2',
    '--skip-performance-schema',
    '--max-connections=300',
    ...(server.name === 'primary'
      ? [`--log-bin=${path.join(dir, 'binlog')}`, '--binlog-format=ROW', '--sync-binlog=0']
      : ['--read-only=ON', `--relay-log=${path.join(dir, 'relay')}`]),
  ];
  const child = spawn('setpriv', args, { stdio: 'ignore' });
  server.child = child;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`mariadbd (${server.name}) exited (${code ?? signal}) while starting: ${tail(path.join(dir, 'error.log'))}`)),
    ),
  );
  exited.catch(() => undefined);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await Promise.race([canConnect(port), exited]);
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`mariadbd (${server.name}) did not answer on port ${port}: ${tail(path.join(dir, 'error.log'))}`);
    await sleep(100);
  }
}

async function halt(server: Server): Promise<void> {
  const child = server.child;
  server.child = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // A clean shutdown takes well under a second here; one that hangs is killed.
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(timer);
}

async function waitForReplicationRunning(query: MariaDbReplicaPair['query']): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [status] = await query<Record<string, unknown>>('replica', 'show slave status');
    if (status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes') return;
    if (Date.now() > deadline) throw new Error(`replication did not start: ${JSON.stringify(status ?? null)}`);
    await sleep(100);
  }
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

/** A port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Debian puts the server in /usr/sbin, which a non-root PATH may lack. */
const MARIADBD = fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd';
const asRoot = () => (process.getuid?.() === 0 ? ['--user=root'] : []);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    return '(no error log)';
  }
}
