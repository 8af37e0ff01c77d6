import { TossError } from './errors';
import type { KeyPair, Merchant } from './types';

/** Default pairs: one widget pair (gck/gsk) and one API individual pair (ck/sk). */
export const DEFAULT_KEYS: readonly KeyPair[] = Object.freeze([
  { clientKey: 'test_gck_sandbox_marketplace', secretKey: 'test_gsk_sandbox_marketplace' },
  { clientKey: 'test_ck_sandbox_marketplace', secretKey: 'test_sk_sandbox_marketplace' },
]);

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function kindOf(pair: KeyPair): Merchant['kind'] {
  if (pair.clientKey.startsWith('test_gck_') && pair.secretKey.startsWith('test_gsk_')) return 'widget';
  if (pair.clientKey.startsWith('test_ck_') && pair.secretKey.startsWith('test_sk_')) return 'api';
  if (pair.clientKey.startsWith('live_') || pair.secretKey.startsWith('live_')) {
    throw new Error('toss-sandbox: live keys are refused; configure test_ keys only');
  }
  throw new Error(`toss-sandbox: key pair ${pair.clientKey} must be test_gck_/test_gsk_ or test_ck_/test_sk_`);
}

/** The configured key pairs, and Basic authentication against them. */
export class KeyRing {
  private readonly bySecret = new Map<string, Merchant>();
  private readonly byClient = new Map<string, Merchant>();

  constructor(pairs: readonly KeyPair[]) {
    pairs.forEach((pair, index) => {
      const kind = kindOf(pair);
      if (this.bySecret.has(pair.secretKey) || this.byClient.has(pair.clientKey)) {
        throw new Error(`toss-sandbox: duplicate key pair ${pair.clientKey}`);
      }
      // One merchant ID (≤14 chars) per pair, starting with `tgen_` like the documented test MIDs.
      const merchant: Merchant = { clientKey: pair.clientKey, secretKey: pair.secretKey, mId: `tgen_sandbox${index + 1}`, kind };
      this.bySecret.set(pair.secretKey, merchant);
      this.byClient.set(pair.clientKey, merchant);
    });
  }

  /** Every configured merchant, in configuration order. */
  list(): Merchant[] {
    return [...this.bySecret.values()];
  }

  /** The merchant owning a client key, if configured. */
  byClientKey(clientKey: string): Merchant | undefined {
    return this.byClient.get(clientKey);
  }

  /** Resolves `Authorization: Basic base64(secretKey + ":")` to a merchant or throws the documented error. */
  authenticate(header: string | undefined): Merchant {
    const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match || !BASE64.test(match[1])) throw new TossError('UNAUTHORIZED_KEY');
    const bytes = Buffer.from(match[1], 'base64');
    const decoded = bytes.toString('utf8');
    if (bytes.length === 0 || decoded.includes('\uFFFD')) throw new TossError('UNAUTHORIZED_KEY');
    if (!decoded.endsWith(':')) throw new TossError('INCORRECT_BASIC_AUTH_FORMAT');
    // The password must be empty: `key:` only. Anything else (BOM, password, client key) is an unknown key.
    const merchant = this.bySecret.get(decoded.slice(0, -1));
    if (!merchant) throw new TossError('UNAUTHORIZED_KEY');
    return merchant;
  }
}
