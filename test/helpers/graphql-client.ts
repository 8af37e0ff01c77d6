import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export type GraphQLErrorShape = { message: string; path?: string[]; extensions?: { code?: string; field?: string; [k: string]: unknown } };
export type Result<R> = { status: number; data?: R | null; errors?: GraphQLErrorShape[]; headers: Headers };
type Options = { token?: string | null; headers?: Record<string, string> };

/** A tiny client for the real `/graphql` endpoint, taking codegen's typed documents. */
export class GraphQLClient {
  constructor(readonly endpoint: string) {}

  async request<R, V>(document: TypedDocumentNode<R, V>, variables?: V, options: Options = {}): Promise<Result<R>> {
    return this.raw<R>(print(document), variables as Record<string, unknown> | undefined, options);
  }

  async raw<R = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options: Options = {}): Promise<Result<R>> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: R | null; errors?: GraphQLErrorShape[] };
    return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
  }

  /**
   * Sends a GraphQL multipart request (the upload spec): `files` fill the list variable `fileVariable`.
   * Carries `apollo-require-preflight`, as browsers' upload clients must.
   */
  async upload<R, V>(
    document: TypedDocumentNode<R, V>,
    variables: V,
    files: Array<{ name: string; content: Buffer | Uint8Array; type?: string }>,
    options: Options & { fileVariable?: string } = {},
  ): Promise<Result<R>> {
    const variable = options.fileVariable ?? 'files';
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: print(document), variables: { ...variables, [variable]: files.map(() => null) } }));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.${variable}.${i}`]]))));
    files.forEach((file, i) =>
      form.append(String(i), new Blob([file.content], { type: file.type ?? 'application/octet-stream' }), file.name),
    );
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'apollo-require-preflight': 'true',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: form,
    });
    const body = (await res.json()) as { data?: R | null; errors?: GraphQLErrorShape[] };
    return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
  }

  /** Runs an operation that must succeed and returns its data. */
  async ok<R, V>(document: TypedDocumentNode<R, V>, variables?: V, options: Options = {}): Promise<R> {
    const result = await this.request(document, variables, options);
    if (result.errors?.length || !result.data) {
      throw new Error(`expected success, got ${JSON.stringify(result.errors ?? result)}`);
    }
    return result.data;
  }
}

/** The first error's code, for `expect(codeOf(result)).toBe('FORBIDDEN')`. */
export function codeOf(result: Result<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}
