import { createClient, type Client } from 'graphql-ws';
import type { GraphQLErrorShape } from './graphql-client';
import WebSocket from 'ws';

export type WsConnection = { client: Client; opened: Promise<void>; closed: Promise<{ code: number; reason: string }> };

/** Opens a graphql-ws connection eagerly (no retries) and reports how it closes. */
export function connectWs(httpUrl: string, token?: string): WsConnection {
  let resolveOpened!: () => void;
  let resolveClosed!: (e: { code: number; reason: string }) => void;
  const opened = new Promise<void>((r) => (resolveOpened = r));
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: {
      connected: () => resolveOpened(),
      closed: (event) => {
        const e = event as { code: number; reason: string };
        resolveClosed({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, opened, closed };
}

/** A running subscription: what it has received so far, a way to wait for more, and how it ended. */
export type Collected<T> = {
  items: T[];
  errors: unknown[];
  /** Resolves once at least `n` items arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  done: Promise<void>;
  stop(): void;
};

/** Subscribes over an open connection and collects every `data[field]` it receives. */
export function collect<T>(conn: WsConnection, query: string, field: string, variables: Record<string, unknown> = {}): Collected<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  const waiters: Array<() => void> = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const stop = conn.client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data?.[field]) items.push(result.data[field]);
        waiters.splice(0).forEach((w) => w());
      },
      error: (err) => {
        errors.push(err);
        resolveDone();
        waiters.splice(0).forEach((w) => w());
      },
      complete: () => resolveDone(),
    },
  );
  return {
    items,
    errors,
    done,
    stop,
    async waitFor(n: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (items.length < n) {
        if (Date.now() > deadline)
          throw new Error(`expected ${n} events, got ${items.length}: ${JSON.stringify(items)} ${JSON.stringify(errors)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return items;
    },
  };
}

/** One query or mutation over an open connection: the single result graphql-ws sends back (or the error message's errors). */
export function runOverWs<R = Record<string, unknown>>(
  conn: WsConnection,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: R | null; errors?: GraphQLErrorShape[] }> {
  return new Promise((resolve) => {
    let result: { data?: R | null; errors?: GraphQLErrorShape[] } = {};
    conn.client.subscribe<R>(
      { query, variables },
      {
        next: (value) => (result = value as typeof result),
        error: (err) => {
          // graphql-ws hands operation errors over as an array; a closed socket as its close event.
          if (Array.isArray(err)) resolve({ errors: err as GraphQLErrorShape[] });
          else {
            const e = err as { code?: number; reason?: string };
            resolve({ errors: [{ message: `socket closed ${e.code}: ${e.reason}`, extensions: { code: `CLOSED_${e.code}` } }] });
          }
        },
        complete: () => resolve(result),
      },
    );
  });
}

/**
 * A connection per token, opened on first use and reused (a socket per account is limited):
 * `run` answers like GraphQLClient.raw. Anonymous callers cannot open one (4403).
 */
export class WsClients {
  private readonly open = new Map<string, WsConnection>();

  constructor(private readonly httpUrl: string) {}

  async run<R = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string | null,
  ): Promise<{ data?: R | null; errors?: GraphQLErrorShape[] }> {
    if (!token) return { errors: [{ message: 'no token', extensions: { code: 'UNAUTHENTICATED' } }] };
    let conn = this.open.get(token);
    if (!conn) this.open.set(token, (conn = connectWs(this.httpUrl, token)));
    const outcome = await Promise.race([conn.opened.then(() => 'open' as const), conn.closed]);
    if (outcome !== 'open') {
      this.open.delete(token);
      const code = outcome.code === 4403 || outcome.code === 4401 ? 'UNAUTHENTICATED' : `CLOSED_${outcome.code}`;
      return { errors: [{ message: outcome.reason, extensions: { code } }] };
    }
    return runOverWs<R>(conn, query, variables);
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((c) => c.client.dispose()));
    this.open.clear();
  }
}
