import { DEFAULT_KEYS, startTossSandbox, type KeyPair, type TossSandboxOptions } from './index';

/** Reads the sandbox options from the environment (the only place that reads process.env). */
export function optionsFromEnv(env: NodeJS.ProcessEnv): TossSandboxOptions {
  const port = Number(env.TOSS_SANDBOX_PORT ?? '4100');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`TOSS_SANDBOX_PORT must be a port number, got ${env.TOSS_SANDBOX_PORT}`);
  const keys: KeyPair[] = [...DEFAULT_KEYS];
  if (env.TOSS_SECRET_KEY && env.TOSS_CLIENT_KEY) {
    const extra = { clientKey: env.TOSS_CLIENT_KEY, secretKey: env.TOSS_SECRET_KEY };
    if (!keys.some((k) => k.secretKey === extra.secretKey && k.clientKey === extra.clientKey)) keys.push(extra);
  }
  return {
    host: env.TOSS_SANDBOX_HOST || '127.0.0.1',
    port,
    keys,
    webhookUrl: env.TOSS_SANDBOX_WEBHOOK_URL || undefined,
  };
}

async function main(): Promise<void> {
  const options = optionsFromEnv(process.env);
  const sandbox = await startTossSandbox(options);
  const lines = [
    `Toss Payments sandbox listening on ${sandbox.url}`,
    `  API base URL (instead of https://api.tosspayments.com): ${sandbox.url}`,
    `  SDK shim: ${sandbox.url}/v2/standard    checkout page: ${sandbox.url}/checkout`,
    `  webhooks: ${options.webhookUrl ?? '(off; set TOSS_SANDBOX_WEBHOOK_URL)'}`,
    '  keys:',
    ...sandbox.merchants().map((m) => `    ${m.kind.padEnd(6)} clientKey=${m.clientKey} secretKey=${m.secretKey} mId=${m.mId}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (signal: NodeJS.Signals): void => {
    process.stdout.write(`Toss Payments sandbox stopping (${signal})\n`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`toss-sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
