import * as z from 'zod/mini';
import { readConfig } from './config.ts';
import type { NumberWebhooks } from './ports.ts';
import { commonEnv } from './topology.ts';

const webhookConfig = z.object({
  [commonEnv.publicBaseUrl]: z.url(),
  /** The voice webhook's Function URL, deployed; PUBLIC_BASE_URL when unset. */
  [commonEnv.voiceWebhookBaseUrl]: z.optional(z.url()),
  /** The inbound-message webhook's Function URL, deployed; PUBLIC_BASE_URL when unset. */
  [commonEnv.smsWebhookBaseUrl]: z.optional(z.url()),
});

/** Where a line's number sends calls, call status and messages: this deployment's webhooks. */
export function numberWebhooks(env: NodeJS.ProcessEnv = process.env): NumberWebhooks {
  const config = readConfig(webhookConfig, env);
  const base = (url: string | undefined) => (url ?? config.PUBLIC_BASE_URL).replace(/\/+$/, '');
  return {
    voiceUrl: `${base(config.VOICE_WEBHOOK_BASE_URL)}/twilio/voice`,
    voiceStatusCallback: `${base(config.VOICE_WEBHOOK_BASE_URL)}/twilio/voice/status`,
    smsUrl: `${base(config.SMS_WEBHOOK_BASE_URL)}/twilio/incoming`,
  };
}
