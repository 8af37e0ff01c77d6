import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GraphQLClient } from './graphql-client';

const ROOT = path.join(__dirname, '../..');
/** Where util-linux's setpriv is installed, the app process dies with the test process (it execs node: same pid). */
const SETPRIV = '/usr/bin/setpriv';

/** A free loopback port. */
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

export type AppProcess = {
  child: ChildProcess;
  url: string;
  client: GraphQLClient;
  /** SIGTERM, then SIGKILL if it does not exit within 10 s. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash). */
  kill(): Promise<void>;
};

/**
 * Starts the real server (`src/main.ts`) as a separate process on a free loopback port and waits
 * until `/readyz` answers 200. Its output is passed through (errors only, or APP_PROCESS_LOG_LEVEL) so crashes are visible.
 */
export async function spawnAppProcess(
  env: Record<string, string>,
  options: {
    readyTimeoutMs?: number;
    /** Receives each line the process writes to stdout (its log, at `logLevel`) instead of passing it through. */
    onOutput?: (line: string) => void;
    logLevel?: string;
  } = {},
): Promise<AppProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const port = await freePort();
  const node = [process.execPath, '-r', '@swc-node/register', path.join(ROOT, 'src/main.ts')];
  const [command, ...args] = fs.existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', ...node] : node;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      LOG_LEVEL: options.logLevel ?? process.env.APP_PROCESS_LOG_LEVEL ?? 'error',
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    // Unexpected errors (logged at error level) show in the test output; routine logs stay quiet.
    stdio: ['ignore', options.onOutput ? 'pipe' : 'inherit', 'inherit'],
  });
  if (options.onOutput && child.stdout) {
    const onOutput = options.onOutput;
    createInterface({ input: child.stdout }).on('line', (line) => onOutput(line));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the app process exited with ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}/readyz`).catch(() => null);
    if (ready?.status === 200) break;
    if (i * 200 > readyTimeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`the app process did not become ready within ${readyTimeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    child,
    url,
    client: new GraphQLClient(`${url}/graphql`),
    async stop() {
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await signal('SIGTERM');
      clearTimeout(force);
    },
    kill: () => signal('SIGKILL'),
  };
}
