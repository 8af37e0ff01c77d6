import { GraphQLError } from 'graphql';

/** The stable `extensions.code` values clients may rely on (DESIGN.md "Errors"). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  PAYMENT_FAILED: 'PAYMENT_FAILED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** Too deep, too many aliases, or too costly (see GRAPHQL_MAX_*). */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Codes for requests the server could not read, produced by GraphQL/Apollo itself or by the HTTP
 * layer before it (`PAYLOAD_TOO_LARGE`: a body or upload over its limit, HTTP 413); safe to show as they are.
 */
export const PROTOCOL_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PAYLOAD_TOO_LARGE',
]);

/** Every `extensions.code` a client can receive (README.md, Errors, lists them all). */
export const CLIENT_CODES: ReadonlySet<string> = new Set([...Object.values(ErrorCode), ...PROTOCOL_CODES]);

export function isExpectedCode(code: unknown): boolean {
  return typeof code === 'string' && (code in ErrorCode || PROTOCOL_CODES.has(code)) && code !== ErrorCode.INTERNAL_SERVER_ERROR;
}

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** Bad input; `field` names the offending input field so a form can highlight it. */
export const badInput = (field: string, message: string) => appError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });
export const unauthenticated = (message = 'You must be logged in.') => appError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You are not allowed to do this.') => appError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => appError(ErrorCode.NOT_FOUND, `${what} not found.`);
export const conflict = (message: string, field?: string) => appError(ErrorCode.CONFLICT, message, field ? { field } : {});
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many attempts. Try again later.') =>
  appError(ErrorCode.TOO_MANY_REQUESTS, message, { retryAfter: retryAfterSeconds });
/** A refusal by a rate limit (its `extensions.retryAfter` in seconds): each transport answers it in its own way (HTTP 429, a close code). */
export const isTooManyRequests = (err: unknown): err is GraphQLError =>
  err instanceof GraphQLError && err.extensions.code === ErrorCode.TOO_MANY_REQUESTS;
export const serviceUnavailable = (message = 'A backing service is unavailable. Try again shortly.') =>
  appError(ErrorCode.SERVICE_UNAVAILABLE, message);
/** A payment did not go through (or was undone); carries Toss's own code and message when Toss gave one. */
export const paymentFailed = (
  message: string,
  extensions: { code?: string | null; tossCode?: string | null; tossMessage?: string | null; orderId?: string },
) => {
  const { code, ...rest } = extensions;
  return appError(ErrorCode.PAYMENT_FAILED, message, { ...rest, reason: code ?? rest.tossCode ?? null });
};

/** Not enough stock for a product; names it so the client can point at the line. */
export const outOfStock = (product: { id: number; name: string }, available: number) =>
  appError(ErrorCode.OUT_OF_STOCK, available > 0 ? `"${product.name}" has only ${available} left.` : `"${product.name}" is out of stock.`, {
    productId: String(product.id),
    productName: product.name,
    available,
  });
