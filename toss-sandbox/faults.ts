import { TossError } from './errors';

export type FaultEndpoint = 'confirm' | 'cancel' | 'lookup';
export type FaultMode = 'delay' | 'error5xx' | 'drop-before' | 'drop-after';

/** What a test asks for: `times` requests to `endpoint` get `mode` (delay: wait `ms` first). */
export interface FaultInput {
  endpoint: FaultEndpoint;
  mode: FaultMode;
  ms?: number;
  times?: number;
}

/** An armed fault and how many more requests it affects. */
export interface Fault {
  endpoint: FaultEndpoint;
  mode: FaultMode;
  ms: number;
  remaining: number;
}

const ENDPOINTS: readonly string[] = ['confirm', 'cancel', 'lookup'];
const MODES: readonly string[] = ['delay', 'error5xx', 'drop-before', 'drop-after'];
const DEFAULT_DELAY_MS = 1000;

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** Parses an untrusted fault request (HTTP body or test call); throws INVALID_REQUEST when malformed. */
export function parseFault(input: unknown): Fault {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const { endpoint, mode, ms, times } = raw;
  if (typeof endpoint !== 'string' || !ENDPOINTS.includes(endpoint)) throw new TossError('INVALID_REQUEST');
  if (typeof mode !== 'string' || !MODES.includes(mode)) throw new TossError('INVALID_REQUEST');
  if (ms !== undefined && !isCount(ms, 0)) throw new TossError('INVALID_REQUEST');
  if (times !== undefined && !isCount(times, 1)) throw new TossError('INVALID_REQUEST');
  return { endpoint: endpoint as FaultEndpoint, mode: mode as FaultMode, ms: ms ?? DEFAULT_DELAY_MS, remaining: times ?? 1 };
}

/** Armed faults, consumed first-in first-out per endpoint. */
export class FaultRegistry {
  private faults: Fault[] = [];

  /** Arms a fault. */
  add(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Consumes one use of the oldest fault armed for `endpoint`, if any. */
  take(endpoint: FaultEndpoint): Fault | null {
    const fault = this.faults.find((f) => f.endpoint === endpoint);
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  /** Armed faults (copies). */
  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Disarms everything. */
  clear(): void {
    this.faults = [];
  }
}
