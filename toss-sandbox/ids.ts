import { randomBytes, randomInt } from 'node:crypto';
import { compactKst } from './time';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random string of `length` characters from [A-Za-z0-9]. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** Newer-style payment key: `<5-char mId prefix><yyyyMMddHHmmss><5 chars>`, e.g. `tgen_20240213121757Ab1Cd`. */
export function newPaymentKey(mId: string, nowMs: number): string {
  return `${mId.slice(0, 5)}${compactKst(nowMs)}${randomAlphanumeric(5)}`;
}

/** Transaction key: 32 upper-case hex digits. */
export function newTransactionKey(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** Webhook verification secret: `ps_` plus 28 characters. */
export function newPaymentSecret(): string {
  return `ps_${randomAlphanumeric(28)}`;
}

/** Webhook transmission id, shared by every retry of one delivery. */
export function newTransmissionId(): string {
  return `whtrans_${randomAlphanumeric(24)}`;
}

/** Opaque id of a browser checkout session. */
export function newSessionId(): string {
  return randomBytes(12).toString('hex');
}
