import { GraphQLError } from 'graphql';
import { authChecker } from '../../src/auth/auth-checker';
import { ANONYMOUS, INVALID, type AuthState } from '../../src/auth/identity';
import { bearerToken, TokenService } from '../../src/auth/tokens';
import type { GraphQLContext } from '../../src/context';
import { Role } from '../../src/entities/role';

const check = (auth: AuthState, roles: Role[]) =>
  authChecker({ context: { auth } as GraphQLContext, root: {}, args: {}, info: {} as never }, roles);

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.code;
  }
  return 'allowed';
};

describe('authChecker', () => {
  const customer: AuthState = { kind: 'authenticated', identity: { sessionId: 's', role: Role.CUSTOMER, accountId: 1 } };
  it('answers UNAUTHENTICATED without a valid identity, FORBIDDEN for the wrong role', () => {
    expect(codeOf(() => check(ANONYMOUS, []))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => check(INVALID, [Role.SELLER]))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => check(customer, [Role.SELLER]))).toBe('FORBIDDEN');
    expect(codeOf(() => check(customer, [Role.ADMIN, Role.SELLER]))).toBe('FORBIDDEN');
    expect(codeOf(() => check(customer, [Role.CUSTOMER]))).toBe('allowed');
    expect(codeOf(() => check(customer, []))).toBe('allowed');
  });
});

describe('tokens', () => {
  const tokens = new TokenService('k'.repeat(32), 3600);
  it('round-trips claims and rejects other keys', async () => {
    const claims = { sessionId: 'abc', role: Role.SELLER, accountId: 7 };
    const token = await tokens.sign(claims, tokens.expiryFromNow());
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await new TokenService('z'.repeat(32), 3600).verify(token)).toBeNull();
    expect(await tokens.verify(token + 'x')).toBeNull();
  });

  it('rejects expired tokens', async () => {
    const token = await tokens.sign({ sessionId: 'a', role: Role.ADMIN, accountId: 1 }, new Date(Date.now() - 5000));
    expect(await tokens.verify(token)).toBeNull();
  });

  it('parses Bearer headers', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(42)).toBeNull();
  });
});
