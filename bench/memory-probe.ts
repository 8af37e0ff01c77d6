/**
 * `npm run bench:memory`: where the app's memory goes under the listing load (issue #18).
 *
 * Seeds the listing benchmark's database, starts the built app as `npm start` does (its flags, or
 * BENCH_NODE_ARGS) plus `--heapsnapshot-signal=SIGUSR2`, drives the listing query (POST, BENCH_CONNECTIONS
 * connections, BENCH_DURATION seconds) while sampling the server's RSS, and halfway through has the
 * server write a heap snapshot. V8 collects garbage before it writes one, so the snapshot holds only
 * live objects: compared with the RSS, it tells live data (a leak, a cache) from garbage V8 has not
 * collected yet. Prints the RSS (the sampled peak under load before the snapshot; after it, which includes
 * the snapshot's own memory), the snapshot's size by kind of object and its largest constructors. BENCH_KEEP_SNAPSHOT=1 keeps the file (open it in Chrome
 * DevTools' Memory tab).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchAgent, benchNodeFlags, buildApp, DURATION, load, spawnApp, type Proc } from './lib';
import { dropListingDatabase, LISTING_QUERY, prepareListingDatabase } from './listing.bench';
import { sampleRss } from './rss';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

type HeapSnapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
};

/** Self sizes summed by node type and by constructor (objects) or name (native, closures), in bytes. */
function summarize(file: string): { total: number; byType: Map<string, number>; byName: Map<string, { size: number; count: number }> } {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byType = new Map<string, number>();
  const byName = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    byType.set(type, (byType.get(type) ?? 0) + size);
    const name =
      type === 'object' || type === 'native' || type === 'closure' ? `${snap.strings[snap.nodes[i + nameAt]!]} (${type})` : `(${type})`;
    const entry = byName.get(name) ?? { size: 0, count: 0 };
    entry.size += size;
    entry.count += 1;
    byName.set(name, entry);
  }
  return { total, byType, byName };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const status = (pid: number, field: string) => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? `${Math.round(Number(m[1]) / 1024)} MB` : '?';
};

/** Waits until the server has written its snapshot: a file that stops growing while the server answers again. */
async function snapshotFile(dir: string, app: Proc): Promise<string> {
  const deadline = Date.now() + 120_000;
  let last = -1;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot in ${dir}`);
    await new Promise((r) => setTimeout(r, 1000));
    const name = fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (!name) continue;
    const file = path.join(dir, name);
    const size = fs.statSync(file).size;
    if (size > 0 && size === last && (await fetch(`${app.url}/healthz`)).ok) return file;
    last = size;
  }
}

async function main() {
  buildApp();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-heap-'));
  let app: Proc | undefined;
  try {
    const env = await prepareListingDatabase();
    app = await spawnApp(env, '/healthz', ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]);
    const pid = app.child.pid!;
    console.log(`app pid ${pid}, node flags: ${benchNodeFlags().join(' ') || '(none)'}; RSS idle ${status(pid, 'VmRSS')}`);
    const rss = sampleRss(pid);
    const body = JSON.stringify({ query: LISTING_QUERY });
    const running = load(`${app.url}/graphql`, body, CONNECTIONS, DURATION);
    // load() warms up for 2 s, then measures DURATION seconds: the snapshot is taken halfway.
    await new Promise((r) => setTimeout(r, (2 + DURATION / 2) * 1000));
    // Writing a snapshot takes memory of its own (about as much again as the heap): the peak under load is the one before it.
    const beforeSnapshot = rss.stop();
    process.kill(pid, 'SIGUSR2');
    const result = await running;
    const file = await snapshotFile(dir, app);
    console.log(
      `listing under load: ${result.requestsPerSec} req/s (the snapshot stops the server for a while); RSS peak before the snapshot ` +
        `${beforeSnapshot.peakMb} MB (sampled every 100 ms), at it ${beforeSnapshot.lastMb} MB; after it ${status(pid, 'VmRSS')}, ` +
        `VmHWM ${status(pid, 'VmHWM')} (the snapshot's own memory included)`,
    );
    const { total, byType, byName } = summarize(file);
    console.log(`heap snapshot (live objects only, after V8's full GC): ${mb(total)}, file ${mb(fs.statSync(file).size)}`);
    console.log('  by kind:');
    for (const [type, size] of [...byType].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
      console.log(`    ${type.padEnd(22)} ${mb(size).padStart(9)}`);
    }
    console.log('  largest constructors:');
    for (const [name, { size, count }] of [...byName].sort((a, b) => b[1].size - a[1].size).slice(0, 20)) {
      console.log(`    ${name.slice(0, 50).padEnd(50)} ${mb(size).padStart(9)}  ${String(count).padStart(8)} objects`);
    }
    if (process.env.BENCH_KEEP_SNAPSHOT) console.log(`kept ${file}`);
  } finally {
    await app?.stop();
    await dropListingDatabase();
    if (!process.env.BENCH_KEEP_SNAPSHOT) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .finally(() => benchAgent.destroy())
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
