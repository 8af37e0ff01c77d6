import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, TossError, type Lang } from './errors';
import type { StoredResponse } from './idempotency';

const MAX_BODY_BYTES = 1024 * 1024;

/** Message language: English when `Accept-Language` prefers `en`, Korean otherwise (the default). */
export function langOf(req: IncomingMessage): Lang {
  return /^\s*en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'ko';
}

/** A single-valued request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the whole body as UTF-8 (1 MiB at most, else INVALID_REQUEST). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new TossError('INVALID_REQUEST');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; an empty body is `{}`, malformed JSON is INVALID_REQUEST. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TossError('INVALID_REQUEST');
  }
}

/** A JSON response, ready to send or to store for idempotent replay. */
export function jsonResponse(status: number, body: unknown): StoredResponse {
  return { status, body: JSON.stringify(body) };
}

/** The `{code, message}` response of an error; unexpected errors become 500 FAILED_INTERNAL_SYSTEM_PROCESSING. */
export function errorResponse(error: unknown, lang: Lang): StoredResponse {
  if (error instanceof TossError) return jsonResponse(error.status, errorBody(error.code, lang));
  console.error('[toss-sandbox] unexpected error', error);
  return jsonResponse(500, errorBody('FAILED_INTERNAL_SYSTEM_PROCESSING', lang));
}

/** Writes a stored JSON response. */
export function send(res: ServerResponse, response: StoredResponse): void {
  res.writeHead(response.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

/** Writes a JSON value. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, jsonResponse(status, body));
}

/** Writes an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

/** Writes a 302 redirect. */
export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
}

/** Decodes one percent-encoded path segment; null when malformed. */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
