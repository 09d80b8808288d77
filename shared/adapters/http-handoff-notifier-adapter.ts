import { createHmac } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../errors.ts';
import type { HandoffNotifier } from '../ports.ts';
import { commonEnv } from '../topology.ts';

const TIMEOUT_MS = 5_000;

/**
 * The key that signs hand-off events: Secrets Manager when deployed (HANDOFF_SECRET_ID), a
 * variable locally (HANDOFF_SECRET). The receiver checks `X-Handoff-Signature` with it.
 */
export async function handoffKey(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const secretId = env[commonEnv.handoffSecretId];
  const secret = secretId ? await getSecret(secretId, { maxAge: 300 }) : env.HANDOFF_SECRET;
  if (typeof secret !== 'string' || secret.length < 32) throw new ConfigError('Set HANDOFF_SECRET_ID, or HANDOFF_SECRET to at least 32 characters.');
  return secret;
}

/** `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`: the timestamp is signed too, so a captured event cannot be replayed later as new. */
export function handoffSignature(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** POSTs hand-off events as JSON, signed; anything but a 2xx is a failure to retry. */
export class HttpHandoffNotifier implements HandoffNotifier {
  constructor(
    private readonly key: () => Promise<string> = handoffKey,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async deliver(url: string, event: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor(this.now() / 1000));
    const response = await this.fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-handoff-timestamp': timestamp,
        'x-handoff-signature': handoffSignature(await this.key(), timestamp, body),
        ...(typeof event.id === 'string' ? { 'x-handoff-id': event.id } : {}),
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`The hand-off receiver answered HTTP ${response.status}.`);
  }
}
