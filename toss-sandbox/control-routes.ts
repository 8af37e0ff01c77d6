import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxControls } from './controls';
import { TossError } from './errors';
import type { FaultInput } from './faults';
import { errorResponse, langOf, parseJson, readBody, send, sendJson } from './http-io';
import { formatKst } from './time';
import type { AuthorizeInput } from './types';
import { asRecord } from './validation';

/** Prefix of the test-only HTTP controls. */
export const CONTROL_PREFIX = '/__sandbox/';

function clockState(controls: SandboxControls): { now: number; kst: string } {
  const now = controls.now();
  return { now, kst: formatKst(now) };
}

async function route(controls: SandboxControls, method: string, name: string, req: IncomingMessage): Promise<unknown> {
  const body = async (): Promise<Record<string, unknown>> => asRecord(parseJson(await readBody(req)));
  switch (`${method} ${name}`) {
    case 'POST authorize':
      return controls.authorize((await body()) as unknown as AuthorizeInput);
    case 'GET faults':
      return { faults: controls.faults() };
    case 'POST faults':
      return { faults: controls.addFault((await body()) as unknown as FaultInput) };
    case 'DELETE faults':
      controls.clearFaults();
      return { faults: [] };
    case 'GET clock':
      return clockState(controls);
    case 'POST clock':
      controls.advanceClock((await body()).advanceMs as number);
      return clockState(controls);
    case 'GET payments':
      return controls.payments();
    case 'GET webhooks':
      return controls.webhookDeliveries();
    case 'PUT webhook-url': {
      const url = (await body()).url ?? null;
      controls.setWebhookUrl(url as string | null);
      return { url };
    }
    case 'GET keys':
      return controls.merchants();
    case 'POST reset':
      controls.reset();
      return { ok: true };
    default:
      throw new TossError('NOT_FOUND');
  }
}

/** Serves `/__sandbox/*`: JSON in, JSON out, errors as `{code, message}`. */
export async function handleControls(controls: SandboxControls, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const name = url.pathname.slice(CONTROL_PREFIX.length);
  try {
    sendJson(res, 200, await route(controls, req.method ?? 'GET', name, req));
  } catch (error) {
    send(res, errorResponse(error, langOf(req)));
  }
}
