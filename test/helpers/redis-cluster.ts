import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';

const run = promisify(execFile);

/** One `redis-server` of the test cluster. */
export type ClusterNode = {
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  process: ChildProcess;
  /** False once killed (or exited). */
  alive: boolean;
};

export type TestRedisCluster = {
  /** `host:port,...` of every node, as REDIS_CLUSTER_NODES takes it. */
  seedNodes: string;
  /** Environment for `startTestApp`: the cluster instead of REDIS_URL. */
  env: Record<string, string>;
  nodes: ClusterNode[];
  /** The node that is master of `key`'s slot now (asked of a live node). */
  masterFor(key: string): Promise<ClusterNode>;
  /** SIGKILLs the master of `key`'s slot (its replica takes over after the node timeout); returns it. */
  killMaster(key: string): Promise<ClusterNode>;
  /** Starts a killed node again on its port and cluster config: it rejoins as a replica (its master failed over). Resolves once it is in sync. */
  restart(node: ClusterNode): Promise<void>;
  /** Resolves once every slot is served again (cluster_state:ok on every live node, and `key`'s slot has a live master). */
  waitHealthy(key?: string, timeoutMs?: number): Promise<void>;
  /** SIGKILLs every live node (the whole cluster down); resolves once they have exited. */
  killAll(): Promise<void>;
  stop(): Promise<void>;
};

const NODE_TIMEOUT_MS = 1000;

/** A loopback port that is free, and whose cluster-bus port (+10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await canBind(port)) && (await canBind(port + 10000))) {
      taken.add(port);
      taken.add(port + 10000);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`Redis Cluster: ${what} did not happen within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends one command to one node on a short-lived connection. */
async function ask(port: number, password: string | undefined, ...args: string[]): Promise<string> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return String(await redis.call(args[0], ...args.slice(1)));
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts a Redis Cluster of 3 masters, each with one replica, from the `redis-server` binary on free
 * loopback ports (no persistence, a 1 s node timeout so a killed master fails over in a few seconds),
 * each started through `setpriv --pdeathsig KILL` so it dies with the test process. `replicas: 0`:
 * masters only. `password`: every node asks for it (`--requirepass`, `--masterauth`). `stop()` kills
 * them and removes their directories. Reusable beside other servers (a MariaDB pair) in one test.
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: 0 | 1; password?: string } = {},
): Promise<TestRedisCluster> {
  const { masters = 3, replicas = 1, password } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-cluster-'));
  const taken = new Set<number>();
  const nodes: ClusterNode[] = [];
  const askNode = (port: number, ...args: string[]) => ask(port, password, ...args);
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const killAll = () => Promise.all(nodes.filter((node) => node.alive).map((node) => kill(node.process))).then(() => undefined);
  const stop = async () => {
    await killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freeClusterPort(taken);
      const nodeDir = path.join(dir, String(port));
      fs.mkdirSync(nodeDir);
      const node: ClusterNode = { port, address: `127.0.0.1:${port}`, process: spawnNode(port, nodeDir, auth), alive: true };
      node.process.once('exit', () => (node.alive = false));
      nodes.push(node);
    }
    await Promise.all(
      nodes.map((n) =>
        until(`node ${n.address} answering`, 10_000, async () => ((await askNode(n.port, 'PING')) === 'PONG' ? true : undefined)),
      ),
    );
    const cliAuth = password ? ['-a', password, '--no-auth-warning'] : [];
    const addresses = nodes.map((n) => n.address);
    await run('redis-cli', [...cliAuth, '--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], {
      timeout: 30_000,
    });
    const cluster: TestRedisCluster = {
      seedNodes: addresses.join(','),
      env: { REDIS_CLUSTER_NODES: addresses.join(','), ...(password ? { REDIS_PASSWORD: password } : {}) },
      nodes,
      async masterFor(key) {
        let slot: number | undefined;
        for (const node of nodes.filter((n) => n.alive)) {
          slot ??= await askNode(node.port, 'CLUSTER', 'KEYSLOT', key).then(Number, () => undefined);
          if (slot === undefined) continue;
          const slotOfKey = slot;
          const owner = await askNode(node.port, 'CLUSTER', 'NODES')
            .then((text) => slotMaster(text, slotOfKey))
            .catch(() => undefined);
          const found = owner && nodes.find((n) => n.address === owner && n.alive);
          if (found) return found;
        }
        throw new Error(`Redis Cluster: no live master serves the slot of ${key}`);
      },
      async killMaster(key) {
        const master = await cluster.masterFor(key);
        await kill(master.process);
        return master;
      },
      async waitHealthy(key, timeoutMs = 20_000) {
        await until('cluster_state:ok on every node', timeoutMs, async () => {
          for (const node of nodes.filter((n) => n.alive)) {
            if (!(await askNode(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return undefined;
          }
          if (key) await cluster.masterFor(key);
          return true;
        });
      },
      async restart(node) {
        if (node.alive) throw new Error(`Redis Cluster: ${node.address} is running`);
        node.process = spawnNode(node.port, path.join(dir, String(node.port)), auth);
        node.alive = true;
        node.process.once('exit', () => (node.alive = false));
        await until(`${node.address} in sync again`, 20_000, async () =>
          (await askNode(node.port, 'INFO', 'replication')).includes('master_link_status:up') ? true : undefined,
        );
        await cluster.waitHealthy();
      },
      killAll,
      stop,
    };
    await cluster.waitHealthy();
    // Every replica is attached and in sync, so a master killed from now on can fail over.
    await until('every replica in sync', 20_000, async () => {
      for (const node of nodes) {
        const info = await askNode(node.port, 'INFO', 'replication');
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return undefined;
      }
      return true;
    });
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One cluster node (`args`: its password, if any). */
function spawnNode(port: number, nodeDir: string, args: string[]): ChildProcess {
  return spawnRedis(port, nodeDir, [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    path.join(nodeDir, 'nodes.conf'),
    '--cluster-node-timeout',
    String(NODE_TIMEOUT_MS),
    '--repl-diskless-sync-delay',
    '0',
    ...args,
  ]);
}

/**
 * `redis-server` on 127.0.0.1:`port` without persistence, its files in `dir`, through `setpriv
 * --pdeathsig KILL` (which execs redis-server in place: the child's pid is the server's).
 */
function spawnRedis(port: number, dir: string, args: string[]): ChildProcess {
  return spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** SIGKILLs `child`; resolves once it has exited. */
function kill(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A single `redis-server` of its own on a free loopback port (no persistence); `stop()` kills it and removes its directory. */
export async function startRedisServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freeClusterPort(new Set());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-single-'));
  const child = spawnRedis(port, dir, []);
  const stop = async () => {
    await kill(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(`redis-server on ${port} answering`, 10_000, async () =>
      (await ask(port, undefined, 'PING')) === 'PONG' ? true : undefined,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

/** The `host:port` of the master serving `slot`, from CLUSTER NODES' text. */
function slotMaster(clusterNodes: string, slot: number): string | undefined {
  for (const line of clusterNodes.split('\n')) {
    const [, address, flags, , , , , , ...ranges] = line.split(' ');
    if (!flags?.includes('master') || flags.includes('fail')) continue;
    for (const range of ranges) {
      const [from, to = from] = range.split('-').map(Number);
      if (slot >= from && slot <= to) return address.split('@')[0];
    }
  }
  return undefined;
}
