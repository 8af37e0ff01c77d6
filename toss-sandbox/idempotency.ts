import type { SandboxClock } from './time';

/** A response as sent on the wire, so a replay is byte-identical. */
export interface StoredResponse {
  status: number;
  body: string;
}

/** Keys live 15 days from their first use (§1). */
export const IDEMPOTENCY_TTL_MS = 15 * 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 300;

/** First responses keyed on (Idempotency-Key, secret key, path, method), plus the keys still in flight. */
export class IdempotencyStore {
  private readonly responses = new Map<string, { response: StoredResponse; expiresAt: number }>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly clock: SandboxClock) {}

  /** The composite key Toss uses: the body is deliberately not part of it. */
  static compose(idempotencyKey: string, secretKey: string, path: string, method: string): string {
    return JSON.stringify([idempotencyKey, secretKey, path, method]);
  }

  /** The stored first response, `'in-flight'` while the first request runs, or undefined. */
  lookup(key: string): StoredResponse | 'in-flight' | undefined {
    if (this.inFlight.has(key)) return 'in-flight';
    const entry = this.responses.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.responses.delete(key);
      return undefined;
    }
    return entry.response;
  }

  /** Marks a key as in flight. */
  begin(key: string): void {
    this.inFlight.add(key);
  }

  /** Releases a key and stores its response, unless `response` is null (nothing to replay). */
  finish(key: string, response: StoredResponse | null): void {
    this.inFlight.delete(key);
    if (response) this.responses.set(key, { response, expiresAt: this.clock.now() + IDEMPOTENCY_TTL_MS });
  }

  /** Forgets every key. */
  clear(): void {
    this.responses.clear();
    this.inFlight.clear();
  }
}
