import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { Role } from '../entities/role';

export type TokenClaims = { sessionId: string; role: Role; accountId: number };

const ISSUER = 'marketplace-api';
const ROLES = new Set<string>(Object.values(Role));

/** Signs and verifies bearer tokens (HS256 JWTs). A valid signature alone is not enough: see AccountService.authenticate. */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(claims: TokenClaims, expiresAt: Date): Promise<string> {
    return new SignJWT({ role: claims.role, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(claims.accountId))
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
  }

  expiryFromNow(now = Date.now()): Date {
    return new Date(now + this.ttlSeconds * 1000);
  }

  /** Returns the claims of a well-formed, correctly signed, unexpired token, or null. */
  async verify(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const accountId = Number(payload.sub);
      if (typeof payload.sid !== 'string' || typeof payload.role !== 'string' || !ROLES.has(payload.role)) return null;
      if (!Number.isInteger(accountId) || accountId <= 0) return null;
      return { sessionId: payload.sid, role: payload.role as Role, accountId };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return null;
      throw err;
    }
  }
}

/** Extracts the token from an `Authorization: Bearer <token>` value; undefined when absent. */
export function bearerToken(header: unknown): string | null | undefined {
  if (header === undefined || header === null || header === '') return undefined;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
