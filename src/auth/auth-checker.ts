import type { AuthCheckerFn } from 'type-graphql';
import type { GraphQLContext } from '../context';
import type { Role } from '../entities/role';
import { forbidden, unauthenticated } from '../schema/errors';
import type { AuthState, Identity } from './identity';

/** The caller's identity, or UNAUTHENTICATED (anonymous, or a forged/expired/revoked token). */
export function requireIdentity(auth: AuthState): Identity {
  if (auth.kind === 'authenticated') return auth.identity;
  throw unauthenticated(auth.kind === 'invalid' ? 'Your session is invalid or has ended. Log in again.' : 'You must be logged in.');
}

/** Backs `@Authorized(...roles)`: no identity -> UNAUTHENTICATED, wrong role -> FORBIDDEN. */
export const authChecker: AuthCheckerFn<GraphQLContext, Role> = ({ context }, roles) => {
  const identity = requireIdentity(context.auth);
  if (roles.length > 0 && !roles.includes(identity.role)) {
    throw forbidden(`This operation is for ${roles.join(' or ')} accounts.`);
  }
  return true;
};
