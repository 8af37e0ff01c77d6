import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TrustProxy } from '../trust-proxy';
import { maskSql } from './redaction';

/** The instrumentation scope of the app's own spans (operation-span.ts); every other scope is an instrumentation's. */
export const APP_SCOPE = 'marketplace-api';

/**
 * An error's text as a span may keep it: quoted values and numbers replaced by `?`. A driver's
 * message quotes the row it refused (`Duplicate entry 'tgen_…' for key 'payment_key'`, an
 * e-mail on a racing sign-up); what is left says what failed, not with which values.
 */
export const maskErrorText = (text: string): string => maskSql(text);

type MutableStatus = { code: number; message?: string };
type MutableEvent = { name: string; attributes?: Record<string, unknown> };

/**
 * The first span processor: before any exporter sees a span made by an instrumentation (mysql2,
 * ioredis, http, undici), its status message and its exception events lose the values their error
 * texts quote, and exception events lose their stack traces (whose first line is the message).
 * The exception's type and the status code stay. The app's own spans carry error codes only.
 */
export class ErrorTextScrubber implements SpanProcessor {
  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (span.instrumentationScope.name === APP_SCOPE) return;
    const status = span.status as MutableStatus;
    if (status.message) status.message = maskErrorText(status.message);
    for (const event of span.events as MutableEvent[]) {
      if (event.name !== 'exception' || !event.attributes) continue;
      const attributes = event.attributes;
      if (typeof attributes['exception.message'] === 'string')
        attributes['exception.message'] = maskErrorText(attributes['exception.message']);
      delete attributes['exception.stacktrace'];
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The client's address as the app itself decides it (Express's `req.ip`): the socket's peer, or
 * an X-Forwarded-For entry only as far as TRUST_PROXY trusts the proxies that wrote it. The HTTP
 * instrumentation's own `client.address` takes the leftmost X-Forwarded-For entry, which anyone can write.
 */
export function trustedClientAddress(trustProxy: TrustProxy): (req: IncomingMessage) => string | undefined {
  const trust = trustFunction(trustProxy);
  return (req) => {
    if (!req.socket?.remoteAddress) return undefined;
    try {
      return proxyaddr(req, trust);
    } catch {
      return req.socket.remoteAddress;
    }
  };
}

function trustFunction(trustProxy: TrustProxy): (address: string, hop: number) => boolean {
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return proxyaddr.compile([...trustProxy]);
}
