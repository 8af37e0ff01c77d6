import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { ErrorCode } from './errors';
import type { OperationCheck } from './limits';

/** No input here nests anywhere near this deep; deeper variables are refused before anything else walks them. */
export const MAX_VARIABLES_DEPTH = 32;

type Problem = { path: string; message: string };

/** Half of a UTF-16 surrogate pair without its other half: no character at all, refused by MySQL's JSON and utf8mb4 checks. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What no string input may hold: a NUL character, or a lone surrogate. */
function stringProblem(value: string, path: string): Problem | null {
  if (value.includes('\u0000')) return nul(path);
  if (LONE_SURROGATE.test(value)) {
    return { path, message: `${path} holds half of a surrogate pair (an ill-formed UTF-16 string), which no input accepts.` };
  }
  return null;
}

/**
 * The first NUL character (U+0000) or lone surrogate in a variables object, or nesting past
 * MAX_VARIABLES_DEPTH, with its dotted path.
 */
export function variablesProblem(value: unknown, path = 'variables', depth = 0): Problem | null {
  if (typeof value === 'string') return stringProblem(value, path);
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
      const found = stringProblem(key, `${path}.${key}`) ?? variablesProblem(inner, `${path}.${key}`, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

const nul = (path: string): Problem => ({ path, message: `${path} contains a NUL character (U+0000), which no input accepts.` });

function documentProblem(document: DocumentNode): Problem | null {
  let found: Problem | null = null;
  visit(document, {
    [Kind.STRING](node) {
      found ??= stringProblem(node.value, 'query');
    },
  });
  return found;
}

/**
 * Refuses, with BAD_USER_INPUT, string input holding a NUL character (U+0000) or a lone surrogate
 * — no name, id or text here has a use for one, and databases disagree on them (SQLite ends a
 * statement at a NUL; MariaDB's JSON check refuses a lone surrogate that Toss echoes back),
 * so both profiles answer the same way instead of each database in its own — and variables
 * nested deeper than any input (which would otherwise exhaust the stack of whatever walks them).
 * It runs before the other checks.
 */
export const inputHygiene: OperationCheck = ({ query, document, variables }) => {
  // A NUL or a lone surrogate in a string literal is written with an escape (`\u0000`, `\u{0}`, `\ud800`)
  // or raw: only a text holding one of those is walked.
  const suspicious = query.includes('\\u') || query.includes('\u0000') || LONE_SURROGATE.test(query);
  const problem = variablesProblem(variables) ?? (suspicious ? documentProblem(document) : null);
  if (problem) {
    throw new GraphQLError(problem.message, {
      extensions: { code: ErrorCode.BAD_USER_INPUT, field: problem.path.replace(/^variables\.?/, '') || 'variables' },
    });
  }
};
