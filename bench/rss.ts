/**
 * A server's resident memory and CPU time, read from `/proc/<pid>/status` and `/proc/<pid>/stat`
 * (Linux): the process itself, not the benchmark's, so what the load generator does is not counted.
 */
import fs from 'node:fs';

/** VmRSS of `pid` in KB (0 once the process is gone). */
export function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export type RssSample = { peakMb: number; lastMb: number; samples: number };

/**
 * Samples `pid`'s RSS every `intervalMs` (100 ms) until `stop()`, which returns the peak and the last
 * sample in MB. A peak shorter than the interval can be missed; V8's heap grows and shrinks over
 * seconds, so 100 ms catches what matters here.
 */
export function sampleRss(pid: number, intervalMs = 100): { stop(): RssSample } {
  let peakKb = rssKb(pid);
  let lastKb = peakKb;
  let samples = 1;
  const timer = setInterval(() => {
    lastKb = rssKb(pid);
    samples += 1;
    if (lastKb > peakKb) peakKb = lastKb;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const now = rssKb(pid);
      if (now > 0) lastKb = now;
      peakKb = Math.max(peakKb, now);
      return { peakMb: Math.round(peakKb / 1024), lastMb: Math.round(lastKb / 1024), samples: samples + 1 };
    },
  };
}

/**
 * CPU time (user + system) `pid` has used so far, in ms, from `/proc/<pid>/stat` (clock ticks of
 * 10 ms). Its difference over a load divided by the requests served is CPU per request, which
 * varies less than req/s on a shared machine (waiting for a core costs time, not CPU), though a
 * saturated one still inflates it.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces), in brackets: utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
