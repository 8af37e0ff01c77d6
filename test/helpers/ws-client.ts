import { createClient, type Client } from 'graphql-ws';
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
