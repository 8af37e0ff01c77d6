import type { Role } from '../entities/role';

/** Who is calling: resolved once per request (or per WebSocket connection). */
export type Identity = { sessionId: string; role: Role; accountId: number };

/**
 * `anonymous`: no token was sent. `invalid`: a token was sent but is forged, expired or revoked;
 * every operation that needs an identity answers UNAUTHENTICATED for it.
 */
export type AuthState = { kind: 'anonymous' } | { kind: 'invalid' } | { kind: 'authenticated'; identity: Identity };

export const ANONYMOUS: AuthState = Object.freeze({ kind: 'anonymous' });
export const INVALID: AuthState = Object.freeze({ kind: 'invalid' });
