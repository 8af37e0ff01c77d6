import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { ErrorCode } from './errors';
import type { OperationCheck } from './limits';

/** No input here nests anywhere near this deep; deeper variables are refused before anything else walks them. */
export const MAX_VARIABLES_DEPTH = 32;

type Problem = { path: string; message: string };

/** The first NUL character (U+0000) in a variables object, or nesting past MAX_VARIABLES_DEPTH, with its dotted path. */
export function variablesProblem(value: unknown, path = 'variables', depth = 0): Problem | null {
  if (typeof value === 'string') return value.includes('\u0000') ? nul(path) : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth >= MAX_VARIABLES_DEPTH)
    return { path, message: `${path} nests more than ${MAX_VARIABLES_DEPTH} levels deep, which no input does.` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = variablesProblem(value[i], `${path}.${i}`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  // Plain JSON objects only: uploads (graphql-upload's Upload) are checked where they are read.
  if ([Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    for (const [key, inner] of Object.entries(value)) {
      const found = key.includes('\u0000') ? nul(`${path}.${key}`) : variablesProblem(inner, `${path}.${key}`, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

const nul = (path: string): Problem => ({ path, message: `${path} contains a NUL character (U+0000), which no input accepts.` });

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
 * Refuses, with BAD_USER_INPUT, string input holding a NUL character (U+0000) — no name, id or
 * text here has a use for one, and SQL engines disagree on it (SQLite ends a statement there),
 * so both profiles answer the same way instead of each database in its own — and variables
 * nested deeper than any input (which would otherwise exhaust the stack of whatever walks them).
 * It runs before the other checks.
 */
export const inputHygiene: OperationCheck = ({ query, document, variables }) => {
  // A NUL in a string literal is written with an escape (`\u0000`, `\u{0}`) or raw: only a text
  // holding one of those is walked.
  const literal = (query.includes('\\u') || query.includes('\u0000')) && documentHasNul(document);
  const problem = variablesProblem(variables) ?? (literal ? nul('query') : null);
  if (problem) {
    throw new GraphQLError(problem.message, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, field: problem.path.replace(/^variables\.?/, '') || 'variables' },
    });
  }
};
