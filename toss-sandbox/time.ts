const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The sandbox clock: a time source plus an offset that tests can move forward. */
export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly source: () => number) {}

  /** Current sandbox time in epoch milliseconds. */
  now(): number {
    return this.source() + this.offsetMs;
  }

  /** Moves the clock forward by `ms` (never backwards). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Drops any offset added by `advance`. */
  reset(): void {
    this.offsetMs = 0;
  }
}

interface KstParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  millis: string;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function kstParts(ms: number): KstParts {
  const d = new Date(ms + KST_OFFSET_MS);
  return {
    year: pad(d.getUTCFullYear(), 4),
    month: pad(d.getUTCMonth() + 1, 2),
    day: pad(d.getUTCDate(), 2),
    hour: pad(d.getUTCHours(), 2),
    minute: pad(d.getUTCMinutes(), 2),
    second: pad(d.getUTCSeconds(), 2),
    millis: pad(d.getUTCMilliseconds(), 3),
  };
}

/** API time format: `yyyy-MM-dd'T'HH:mm:ss+09:00`, no fractional seconds. */
export function formatKst(ms: number): string {
  const p = kstParts(ms);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}+09:00`;
}

/** Webhook `createdAt` format: `yyyy-MM-dd'T'HH:mm:ss.SSSSSS` in KST with no offset. */
export function formatWebhookCreatedAt(ms: number): string {
  const p = kstParts(ms);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${p.millis}000`;
}

/** `yyyyMMddHHmmss` in KST, as used inside newer payment keys. */
export function compactKst(ms: number): string {
  const p = kstParts(ms);
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}
