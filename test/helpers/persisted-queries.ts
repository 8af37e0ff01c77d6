import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createHash } from 'node:crypto';
import type { GraphQLErrorShape } from './graphql-client';

/** An HTTP answer of /graphql with what HTTP caching looks at. */
export type HttpAnswer<R = Record<string, unknown>> = {
  status: number;
  data?: R | null;
  errors?: GraphQLErrorShape[];
  headers: Headers;
  /** The body as sent, to compare answers byte for byte. */
  text: string;
  cacheControl: string | null;
  age: string | null;
};

type Options = { token?: string | null; headers?: Record<string, string> };

/** The text of a codegen document, as the client sends it (and hashes it). */
export const textOf = <R, V>(document: TypedDocumentNode<R, V> | string) => (typeof document === 'string' ? document : print(document));

/** Apollo's automatic persisted query hash: the SHA-256 of the query text, in hex. */
export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const persisted = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256Hex(text) } });

async function answerOf<R>(res: Response): Promise<HttpAnswer<R>> {
  const text = await res.text();
  let body: { data?: R | null; errors?: GraphQLErrorShape[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (e.g. an HTML refusal): leave data and errors unset.
  }
  return {
    status: res.status,
    data: body.data,
    errors: body.errors,
    headers: res.headers,
    text,
    cacheControl: res.headers.get('cache-control'),
    age: res.headers.get('age'),
  };
}

const authHeaders = (options: Options) => ({
  ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  ...options.headers,
});

/**
 * A client of one /graphql endpoint speaking what a CDN-fronted storefront sends: queries over GET
 * (by text or by persisted-query hash) and Apollo's APQ registration over POST.
 */
export class HttpGraphQL {
  constructor(readonly endpoint: string) {}

  /** GET with `query` (and variables) in the URL. */
  async getText<R = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options: Options & { operationName?: string } = {},
  ): Promise<HttpAnswer<R>> {
    return this.get<R>({ query, variables, operationName: options.operationName }, options);
  }

  /** GET by hash only (Apollo's APQ): PERSISTED_QUERY_NOT_FOUND until some client registered the text. */
  async getByHash<R = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options: Options & { operationName?: string } = {},
  ): Promise<HttpAnswer<R>> {
    return this.get<R>({ extensions: persisted(query), variables, operationName: options.operationName }, options);
  }

  /** POST with the text and its hash: registers the text (APQ's second step) and runs it. */
  async register<R = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options: Options = {}) {
    return this.post<R>({ query, variables, extensions: persisted(query) }, options);
  }

  /** A plain JSON POST. */
  async post<R = Record<string, unknown>>(body: Record<string, unknown>, options: Options = {}): Promise<HttpAnswer<R>> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(options) },
      body: JSON.stringify(body),
    });
    return answerOf<R>(res);
  }

  private async get<R>(
    params: { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: unknown },
    options: Options,
  ): Promise<HttpAnswer<R>> {
    const url = new URL(this.endpoint);
    if (params.query !== undefined) url.searchParams.set('query', params.query);
    if (params.variables !== undefined) url.searchParams.set('variables', JSON.stringify(params.variables));
    if (params.operationName !== undefined) url.searchParams.set('operationName', params.operationName);
    if (params.extensions !== undefined) url.searchParams.set('extensions', JSON.stringify(params.extensions));
    const res = await fetch(url, { headers: { accept: 'application/json', ...authHeaders(options) } });
    return answerOf<R>(res);
  }
}
