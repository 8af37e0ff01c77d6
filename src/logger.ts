import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream } from 'pino';

const ARGON2_HASH = /\$argon2(?:id|i|d)\$[A-Za-z0-9+/=,$.-]*/g;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Removes password hashes and bearer tokens from free text (SQL in driver errors carries bound values). */
export function scrubSecrets(text: string): string {
  return text.replace(ARGON2_HASH, '[redacted-hash]').replace(JWT, '[redacted-token]');
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
}

/** The active span's ids, so a log line can be found from its trace (tracing on) and back. */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Structured logger. Secrets are redacted by path, and scrubbed from logged errors. Lines carry `trace_id`/`span_id` inside a span. */
export function createLogger(level: string, destination?: DestinationStream) {
  return pino(
    {
      level,
      mixin: traceIds,
      serializers: { err: (err: Error) => scrubDeep(pino.stdSerializers.err(err)) },
      redact: {
        paths: [
          'password',
          '*.password',
          '*.*.password',
          'passwordHash',
          '*.passwordHash',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'req.headers.authorization',
          'variables.password',
          'variables.input.password',
          'variables.input.adminInviteCode',
          'variables.input.paymentKey',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type Logger = ReturnType<typeof createLogger>;
