import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { ErrorCode } from './errors';

/** Where a NUL character hides in a variables object (as a dotted path), or null. */
export function nulPath(value: unknown, path = 'variables'): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  // Plain JSON objects only: uploads (graphql-upload's Upload) are checked where they are read.
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    for (const [key, inner] of Object.entries(value)) {
      const found = key.includes('\u0000') ? `${path}.${key}` : nulPath(inner, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

function documentHasNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.STRING](node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  return found;
}

/**
 * Refuses string input holding a NUL character (U+0000) with BAD_USER_INPUT. No name, id or
 * text here has a use for one, and SQL engines disagree on it (SQLite ends a statement there),
 * so both profiles answer the same way instead of each database in its own.
 */
export function refuseNulCharacters(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          // A NUL in a string literal is written with an escape (`\u0000`, `\u{0}`) or raw: only a text
          // holding one of those is walked.
          const text = request.query ?? '';
          const literal = (text.includes('\\u') || text.includes('\u0000')) && documentHasNul(document);
          const path = nulPath(request.variables ?? {}) ?? (literal ? 'query' : null);
          if (path) {
            throw new GraphQLError(`${path} contains a NUL character (U+0000), which no input accepts.`, {
              // HTTP 400: a plugin's throw would otherwise be a 500.
              extensions: { code: ErrorCode.BAD_USER_INPUT, field: path.replace(/^variables\./, ''), http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
