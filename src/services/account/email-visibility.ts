import type { AuthState, Identity } from '../../auth/identity';
import { Role } from '../../entities/role';

/** Who is looking at an account: an identity, or null for an anonymous (or invalid-token) caller. */
export type Viewer = Pick<Identity, 'role' | 'accountId'> | null;

/** The viewer behind a request's auth state. */
export const viewerOf = (auth: AuthState): Viewer => (auth.kind === 'authenticated' ? auth.identity : null);

/**
 * An account's login email as `viewer` may see it: in full for the account itself and for admins,
 * masked (`maskEmail`) for everyone else, since an address is how one starts guessing passwords
 * and the contract types the field `String!`.
 */
export function visibleEmail(owner: { role: Role; id: number }, email: string, viewer: Viewer): string {
  if (viewer && (viewer.role === Role.ADMIN || (viewer.role === owner.role && viewer.accountId === owner.id))) return email;
  return maskEmail(email);
}

/**
 * `seller1@demo.marketplace.kr` -> `s***@d***.kr`: the first character of the local part and of the
 * domain, and the top-level domain. The `***` is fixed, so the lengths stay hidden too.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = at > 0 ? email.slice(0, at) : email;
  const domain = at > 0 ? email.slice(at + 1) : '';
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${first(local)}***@${first(domain)}***${tld}`;
}

/** The first character (a whole code point, so a non-ASCII address is never cut in half). */
const first = (s: string) => Array.from(s)[0] ?? '';
