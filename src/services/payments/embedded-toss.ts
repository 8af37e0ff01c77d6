import type { Config } from '../../config';
import { DEFAULT_KEYS, startTossSandbox, type TossSandbox } from '../../../toss-sandbox';

/**
 * The embedded profile's Toss: the local sandbox (`toss-sandbox/`, which follows Toss's API
 * contract) started in this process on a free loopback port, and the payment settings pointed
 * at it with its widget key pair. The production profile never starts it.
 */
export async function startEmbeddedToss(payments: Config['payments']): Promise<{ sandbox: TossSandbox; payments: Config['payments'] }> {
  const keys = DEFAULT_KEYS.find((k) => k.clientKey.startsWith('test_gck_'))!;
  const sandbox = await startTossSandbox({ keys: [keys] });
  return { sandbox, payments: { ...payments, apiUrl: sandbox.url, clientKey: keys.clientKey, secretKey: keys.secretKey } };
}
