import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot, startLocalRuntime } from '../lib/local/runtime.ts';

const { values } = parseArgs({
  options: {
    memory: { type: 'boolean', default: false },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
  },
});

const dataDir = values.memory ? undefined : (values['data-dir'] ?? join(projectRoot, '.local-data'));
const runtime = await startLocalRuntime({
  port: Number(values.port ?? process.env.PORT ?? 3000),
  dataDir,
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  twilioAccountSid: process.env.TWILIO_ACCOUNT_SID,
  twilioAuthToken: process.env.TWILIO_AUTH_TOKEN,
  fromNumber: process.env.TWILIO_FROM_NUMBER,
  twilioMps: process.env.TWILIO_MPS ? Number(process.env.TWILIO_MPS) : undefined,
  logLevel: process.env.LOG_LEVEL ?? 'WARN',
});
const devToken = await runtime.token('dev');

process.stdout.write(`
twilio-message-system is running locally.

  Console             ${runtime.consoleUrl}   (sign in with any user name)
  API                 ${runtime.url}
  Public base URL     ${runtime.publicBaseUrl}   (Twilio webhooks are signed against it)
  State               ${dataDir ?? 'in memory (--memory): gone when this process stops'}

  Twilio simulator    ${runtime.url}/2010-04-01/Accounts/${runtime.twilio.accountSid}/Messages.json
    TWILIO_ACCOUNT_SID  ${runtime.twilio.accountSid}
    TWILIO_AUTH_TOKEN   ${runtime.twilio.authToken}
    From number         ${runtime.twilio.fromNumber}

  Dev token (user "dev", valid 12 h; POST /local/token {"userId":"…"} makes others):
    ${devToken}

  Try:  curl ${runtime.url}/health
Press Ctrl+C to stop.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
