import fs from 'node:fs';
import type mysql from 'mysql2/promise';

/**
 * Where a benchmark's CPU goes, read from /proc (Linux only; elsewhere every figure is null): the
 * processes it started, itself (the load generator), MariaDB's threads serving the benchmark's own
 * database (by the TID MariaDB's processlist gives) and the whole MariaDB and Redis processes. Other
 * sessions on the same host show up in the machine's busy time and in MariaDB's and Redis's totals,
 * not in the per-process figures, so CPU milliseconds per operation stay meaningful on a shared host.
 */

const TICK_MS = 10; // USER_HZ is 100 on every Linux architecture Node runs on

/** utime + stime of a process or thread, in ms; null when it is gone or /proc is missing. */
function cpuMs(statPath: string): number | null {
  try {
    const stat = fs.readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** Every process whose command name is one of `names` (mariadbd, redis-server...). */
function pidsOf(...names: string[]): number[] {
  const pids: number[] = [];
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (names.includes(fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return pids;
}

/** The first process whose command name is one of `names`. */
const pidOf = (...names: string[]): number | null => pidsOf(...names)[0] ?? null;

/** The CPU ms of every process in `pids` together; null when none could be read. */
function sumCpuMs(pids: number[]): number | null {
  const each = pids.map((pid) => cpuMs(`/proc/${pid}/stat`)).filter((ms): ms is number => ms !== null);
  return each.length ? each.reduce((a, b) => a + b, 0) : null;
}

/** The machine's busy, idle and steal time over all cores, in ms. */
function machineMs(): { busy: number; idle: number; steal: number } | null {
  try {
    const [, ...values] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
    return { busy: (user + nice + system + irq + softirq) * TICK_MS, idle: (idle + iowait) * TICK_MS, steal: (steal ?? 0) * TICK_MS };
  } catch {
    return null;
  }
}

/** Server-wide InnoDB and statement counters (other sessions' work included). */
const STATUS = ['Innodb_row_lock_time', 'Innodb_row_lock_waits', 'Com_commit', 'Questions', 'Innodb_os_log_fsyncs'] as const;
type Status = Record<(typeof STATUS)[number], number>;
async function status(admin: mysql.Connection): Promise<Status> {
  const [rows] = await admin.query(`show global status where Variable_name in (${STATUS.map(() => '?').join(', ')})`, [...STATUS]);
  const out = Object.fromEntries(STATUS.map((k) => [k, 0])) as Status;
  for (const r of rows as Array<{ Variable_name: string; Value: string }>) out[r.Variable_name as keyof Status] = Number(r.Value);
  return out;
}

/** MariaDB's threads serving connections to `db` (MySQL has no TID column: none). */
async function dbThreads(admin: mysql.Connection, db: string): Promise<number[]> {
  try {
    const [rows] = await admin.query('select tid from information_schema.processlist where db = ?', [db]);
    return (rows as Array<{ tid: number }>).map((r) => Number(r.tid));
  } catch {
    return [];
  }
}

export type CpuReport = {
  seconds: number;
  /** CPU ms per second of wall time (1000 = one core busy), by part. */
  perSecond: Record<string, number | null>;
  /** Machine-wide, over both cores: busy and steal, ms per second (2000 = both cores). */
  machine: { busy: number; idle: number; steal: number } | null;
  innodb: { rowLockWaits: number; rowLockMs: number; commits: number; questions: number; logFsyncs: number };
};

/**
 * Starts sampling; `stop()` returns the CPU each part used per second since, and the server-wide
 * counters' growth. `parts` names the processes the benchmark started (their pids).
 */
export async function sampleCpu(admin: mysql.Connection, db: string, parts: Record<string, number>) {
  const mariadb = pidOf('mariadbd', 'mysqld');
  // Every redis-server: the one Redis, or every node of a cluster the benchmark started (and any other running here).
  const redis = pidsOf('redis-server');
  const redisLabel = redis.length > 1 ? `Redis (${redis.length} redis-server processes)` : 'Redis (whole server)';
  const threads = mariadb ? await dbThreads(admin, db) : [];
  const read = () => {
    const own: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(parts)) own[name] = cpuMs(`/proc/${pid}/stat`);
    own['load generator'] = cpuMs(`/proc/${process.pid}/stat`);
    // Only threads alive at both ends count (a pool may close a connection meanwhile).
    const perThread = threads.map((tid) => cpuMs(`/proc/${mariadb}/task/${tid}/stat`));
    own[`MariaDB (${db} connections)`] = mariadb ? 0 : null;
    own['MariaDB (whole server)'] = mariadb ? cpuMs(`/proc/${mariadb}/stat`) : null;
    own[redisLabel] = sumCpuMs(redis);
    return { own, perThread, machine: machineMs(), at: performance.now() };
  };
  const before = read();
  const statusBefore = await status(admin);
  return {
    async stop(): Promise<CpuReport> {
      const after = read();
      const statusAfter = await status(admin);
      const seconds = (after.at - before.at) / 1000;
      const perSecond: Record<string, number | null> = {};
      for (const name of Object.keys(before.own)) {
        const a = before.own[name];
        const b = after.own[name];
        perSecond[name] = a === null || b === null ? null : Math.round((b - a) / seconds);
      }
      if (mariadb) {
        let ms = 0;
        before.perThread.forEach((a, i) => {
          const b = after.perThread[i];
          if (a !== null && b !== null) ms += b - a;
        });
        perSecond[`MariaDB (${db} connections)`] = Math.round(ms / seconds);
      }
      const m = before.machine && after.machine;
      return {
        seconds,
        perSecond,
        machine:
          before.machine && after.machine && m
            ? {
                busy: Math.round((after.machine.busy - before.machine.busy) / seconds),
                idle: Math.round((after.machine.idle - before.machine.idle) / seconds),
                steal: Math.round((after.machine.steal - before.machine.steal) / seconds),
              }
            : null,
        innodb: {
          rowLockWaits: statusAfter.Innodb_row_lock_waits - statusBefore.Innodb_row_lock_waits,
          rowLockMs: statusAfter.Innodb_row_lock_time - statusBefore.Innodb_row_lock_time,
          commits: statusAfter.Com_commit - statusBefore.Com_commit,
          questions: statusAfter.Questions - statusBefore.Questions,
          logFsyncs: statusAfter.Innodb_os_log_fsyncs - statusBefore.Innodb_os_log_fsyncs,
        },
      };
    },
  };
}

/** The report as lines: each part's CPU per second and per operation, and the ceiling that CPU sets on 2 cores. */
export function formatCpu(r: CpuReport, opsPerSec: number, unit = 'order'): string[] {
  const lines: string[] = [];
  const per = (msPerSec: number) => (opsPerSec > 0 ? (msPerSec / opsPerSec).toFixed(2) : '-');
  for (const [name, v] of Object.entries(r.perSecond)) {
    if (v !== null) lines.push(`    ${name.padEnd(38)} ${String(v).padStart(5)} ms CPU/s   ${per(v).padStart(6)} ms per ${unit}`);
  }
  if (r.machine) {
    lines.push(`    machine (2 cores = 2000)              busy ${r.machine.busy}, idle ${r.machine.idle}, steal ${r.machine.steal} ms/s`);
  }
  const i = r.innodb;
  lines.push(
    `    server-wide: ${i.commits} commits, ${i.questions} statements, ${i.logFsyncs} redo fsyncs, ${i.rowLockWaits} row lock waits (avg ${
      i.rowLockWaits ? (i.rowLockMs / i.rowLockWaits).toFixed(1) : 0
    } ms)`,
  );
  return lines;
}
