import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { ANONYMOUS, INVALID, type AuthState, type Identity } from '../../auth/identity';
import type { Logger } from '../../logger';
import { bearerToken, type TokenService } from '../../auth/tokens';
import { AccountEntity, Admin, AuthSession, Customer, Seller } from '../../entities';
import { Role } from '../../entities/role';
import { conflict, forbidden, unauthenticated } from '../../schema/errors';
import { asDate, sqlOf } from '../../db/sql';
import type { EventBus } from '../events/event-bus';
import type { ActionLimit } from '../shared/action-limit';
import { clientKey } from '../shared/ip-key';
import type { LoginThrottle } from './login-throttle';
import type { PasswordHasher } from './passwords';

export type AccountRecord = { role: Role; account: Pick<AccountEntity, 'id' | 'email' | 'name' | 'createdAt'> };
export type AuthResult = { token: string; role: Role; account: AccountEntity };
export type SignUpData = { role: Role; email: string; password: string; name: string; adminInviteCode?: string | null };
export type LoginData = { role: Role; email: string; password: string };

const ENTITY_BY_ROLE = { [Role.CUSTOMER]: Customer, [Role.SELLER]: Seller, [Role.ADMIN]: Admin } as const;

/** The one message for every failed login, so it never reveals whether the email exists. */
const BAD_CREDENTIALS = 'Email or password is incorrect.';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Sign-up, login, logout and token checks for the three account kinds. */
export class AccountService {
  constructor(
    private readonly deps: {
      tokens: TokenService;
      passwords: PasswordHasher;
      throttle: LoginThrottle;
      /** Accounts created per client IP per hour (SIGNUP_PER_IP_PER_HOUR), shared by every instance. */
      signUps: ActionLimit;
      events: EventBus;
      adminInviteCode: string | undefined;
      logger?: Logger;
    },
  ) {}

  /**
   * Creates an account of the given role and logs it in. Accounts made from one client IP are
   * limited per hour: past the limit, TOO_MANY_REQUESTS before the password is even hashed.
   */
  async signUp(em: EntityManager, data: SignUpData, ip: string): Promise<AuthResult> {
    if (data.role === Role.ADMIN) this.assertAdminInvite(data.adminInviteCode);
    const email = normalizeEmail(data.email);
    const entityClass = ENTITY_BY_ROLE[data.role];
    if (await em.count(entityClass, { email })) throw emailTaken(data.role);
    const client = clientKey(ip);
    await this.deps.signUps.take(client);
    let account: AccountEntity;
    try {
      const passwordHash = await this.deps.passwords.hash(data.password);
      account = em.create(entityClass, { email, name: data.name.trim(), passwordHash });
      await em.flush();
    } catch (err) {
      // No account was made: the attempt does not count against the IP.
      await this.deps.signUps.giveBack(client);
      // Two sign-ups racing for one email: the unique index decides.
      if (err instanceof UniqueConstraintViolationException) throw emailTaken(data.role);
      throw err;
    }
    return this.startSession(em, data.role, account);
  }

  /**
   * Checks credentials for the named role. The attempt is taken from the login throttle (per
   * account and IP, per IP, per account) before the password is checked, and given back on success.
   *
   * The throttle counts the normalized email, so the account is only the one stored under exactly
   * that email: the database may compare under a collation (MariaDB's `utf8mb4_unicode_ci` finds
   * `séller@…` or a fullwidth `ｓeller@…` for `seller@…`), and such a spelling, with counters of
   * its own, must not check the account's password. It is answered like an unknown email.
   */
  async login(em: EntityManager, data: LoginData, ip: string): Promise<AuthResult> {
    const email = normalizeEmail(data.email);
    const throttleKey = `${data.role}:${createHash('sha256').update(email).digest('hex')}`;
    await this.deps.throttle.take(throttleKey, ip);
    const found = await em.findOne(ENTITY_BY_ROLE[data.role], { email });
    const account = found?.email === email ? found : null;
    const ok = await this.deps.passwords.verify(account?.passwordHash ?? null, data.password);
    if (!account || !ok) throw unauthenticated(BAD_CREDENTIALS);
    await this.deps.throttle.succeeded(throttleKey, ip);
    return this.startSession(em, data.role, account);
  }

  /** Revokes the caller's session at once, here and (through the EventBus) on every instance's sockets. */
  async logout(em: EntityManager, identity: Identity): Promise<void> {
    await em.nativeUpdate(AuthSession, { id: identity.sessionId, revokedAt: null }, { revokedAt: new Date() });
    // The session is revoked in MySQL whatever happens next: a lost message only leaves other instances'
    // sockets open until their next session check (WS_SESSION_CHECK_SECONDS).
    await this.deps.events
      .publish('auth.session-revoked', { sessionId: identity.sessionId })
      .catch((err: unknown) => this.deps.logger?.warn({ err }, 'logout: the revocation message was not sent'));
  }

  /** Resolves an Authorization header value to who is calling. Forged, expired and revoked tokens are `invalid`. */
  async authenticate(em: EntityManager, authorization: unknown): Promise<AuthState> {
    const token = bearerToken(authorization);
    if (token === undefined) return ANONYMOUS;
    if (token === null) return INVALID;
    const claims = await this.deps.tokens.verify(token);
    if (!claims) return INVALID;
    // Every authenticated request runs this, so it is one plain statement rather than an ORM query.
    const [session] = await sqlOf(em).rows<{ role: string; account_id: number; expires_at: unknown; revoked_at: unknown }>(
      'select role, account_id, expires_at, revoked_at from auth_session where id = ?',
      [claims.sessionId],
    );
    if (
      !session ||
      session.revoked_at !== null ||
      asDate(session.expires_at).getTime() <= Date.now() ||
      session.role !== claims.role ||
      Number(session.account_id) !== claims.accountId
    ) {
      return INVALID;
    }
    return { kind: 'authenticated', identity: claims };
  }

  /** Is this session still live? Used to re-check long-lived WebSocket connections. */
  async isSessionActive(em: EntityManager, sessionId: string): Promise<boolean> {
    const session = await em.findOne(AuthSession, { id: sessionId }, { disableIdentityMap: true });
    return !!session && session.revokedAt === null && session.expiresAt.getTime() > Date.now();
  }

  /** Which of these sessions are still live (not revoked, not expired): one statement for every open socket of an instance. */
  async activeSessions(em: EntityManager, sessionIds: readonly string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    const rows = await sqlOf(em).rows<{ id: string }>(
      `select id from auth_session where id in (${sessionIds.map(() => '?').join(', ')}) and revoked_at is null and expires_at > ?`,
      [...sessionIds, new Date()],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The account behind an identity, or null if it no longer exists. */
  async findAccount(em: EntityManager, identity: Pick<Identity, 'role' | 'accountId'>): Promise<AccountRecord | null> {
    const account = await em.findOne(ENTITY_BY_ROLE[identity.role], { id: identity.accountId });
    return account ? { role: identity.role, account } : null;
  }

  private async startSession(em: EntityManager, role: Role, account: AccountEntity): Promise<AuthResult> {
    const session = em.create(AuthSession, { id: randomUUID(), role, accountId: account.id, expiresAt: this.deps.tokens.expiryFromNow() });
    await em.flush();
    const token = await this.deps.tokens.sign({ sessionId: session.id, role, accountId: account.id }, session.expiresAt);
    return { token, role, account };
  }

  private assertAdminInvite(code: string | null | undefined): void {
    const expected = this.deps.adminInviteCode;
    if (!expected) throw forbidden('Admin sign-up is closed on this server.');
    const a = Buffer.from(code ?? '');
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw forbidden('The admin invite code is missing or wrong.');
  }
}

const emailTaken = (role: Role) => conflict(`An account with this email already exists for role ${role}.`, 'email');
