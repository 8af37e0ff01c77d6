/**
 * A server's resident memory, read from `/proc/<pid>/status` (Linux): the process itself, not the
 * benchmark's, so what the load generator allocates is not counted.
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
