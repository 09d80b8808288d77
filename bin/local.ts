import { join } from 'node:path';
import { ownedNumbersFromEnv, PortInUseError, projectRoot, startLocalRuntime } from '../lib/local/runtime.ts';
import { ALWAYS_OWNED_NUMBER } from '../lib/local/twilio-phone-numbers.ts';
import { parseCommandLine } from '../lib/ops/command-line.ts';
import { START_CONSUMER_THREADS } from '../lib/local/consumer-thread.ts';
import { setActivitySink } from '../shared/activity.ts';

const usage = `usage: npm start [-- options]
Runs the whole system locally: the API, the queues and their consumers, the Twilio and SendGrid simulators.

  --port <n>        the port to listen on (default: $PORT, else 3000)
  --data-dir <dir>  where state is kept between runs (default: .local-data in the project)
  --memory          keep nothing: state is gone when the process stops
  --fast            local time scales: retries back off 1-4 s instead of 10 s-15 min, and reconciliation
                    runs every 10 s for messages quiet for 30 s instead of every 5 min for 15 min
  --consumer-threads <n>
                    threads the queue consumers run in, apart from the API and webhooks as on Lambda
                    (default ${START_CONSUMER_THREADS}; 0 runs them in the API's thread)
  --help            this text

Environment: PORT, PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, TWILIO_MPS, LOG_LEVEL.`;

const { values } = parseCommandLine(usage, {
  memory: { type: 'boolean', default: false },
  fast: { type: 'boolean', default: false },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'consumer-threads': { type: 'string', default: String(START_CONSUMER_THREADS) },
});
const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`The port must be a whole number from 0 to 65535, not ${values.port ?? process.env.PORT}.\n`);
  process.exit(2);
}

const consumerThreads = Number(values['consumer-threads']);
if (!/^\d+$/.test(values['consumer-threads']) || consumerThreads > 16) {
  process.stderr.write(`--consumer-threads must be a whole number from 0 to 16, not ${values['consumer-threads']}.\n`);
  process.exit(2);
}

const dataDir = values.memory ? undefined : (values['data-dir'] ?? join(projectRoot, '.local-data'));
const runtime = await startLocalRuntime({
  port,
  fast: values.fast,
  dataDir,
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  twilioAccountSid: process.env.TWILIO_ACCOUNT_SID,
  twilioAuthToken: process.env.TWILIO_AUTH_TOKEN,
  fromNumber: process.env.TWILIO_FROM_NUMBER,
  twilioMps: process.env.TWILIO_MPS ? Number(process.env.TWILIO_MPS) : undefined,
  logLevel: process.env.LOG_LEVEL ?? 'WARN',
  consumerThreads,
  dynamoProcess: true,
}).catch((err: unknown) => {
  if (!(err instanceof PortInUseError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
const devToken = await runtime.token('dev');

process.stdout.write(`
twilio-message-system is running locally.

  Console             ${runtime.consoleUrl}   (sign in with any user name)
  API                 ${runtime.url}
  Public base URL     ${runtime.publicBaseUrl}   (Twilio webhooks are signed against it)
  State               ${dataDir ?? 'in memory (--memory): gone when this process stops'}
  Time scales         ${values.fast ? 'fast (--fast): retries back off 1-4 s, reconciliation every 10 s' : 'as deployed (--fast shortens retries and reconciliation)'}
  Queue consumers     ${consumerThreads === 0 ? "in the API's thread (--consumer-threads 0)" : `${consumerThreads} thread${consumerThreads === 1 ? '' : 's'} of their own, apart from the API and webhooks (--consumer-threads)`}

  Twilio simulator    ${runtime.url}/2010-04-01/Accounts/${runtime.twilio.accountSid}/Messages.json
    TWILIO_ACCOUNT_SID  ${runtime.twilio.accountSid}
    TWILIO_AUTH_TOKEN   ${runtime.twilio.authToken}
    From number         ${runtime.twilio.fromNumber}
    Owned numbers       ${[...new Set([runtime.twilio.fromNumber, ALWAYS_OWNED_NUMBER, ...ownedNumbersFromEnv()])].join(', ')} (TWILIO_OWNED_NUMBERS adds more; any other From answers 21606)

  Dev token (user "dev", valid 12 h; POST /local/token {"userId":"…"} makes others):
    ${devToken}

  Walkthrough: README.md, "Walkthrough with curl". Run the reconciler now: curl -X POST ${runtime.url}/local/schedules/reconcile
  Try:  curl ${runtime.url}/health
Press Ctrl+C to stop.
`);

// One line per event a person follows, under the banner; phone numbers arrive masked.
setActivitySink((line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`));

// Once a minute, what the metrics counted in it (sends by outcome, callbacks by status, …), if anything.
setInterval(() => {
  const line = runtime.metrics.takeMinute();
  if (line) process.stdout.write(`${new Date().toISOString().slice(11, 19)}  last minute: ${line}\n`);
}, 60_000).unref();

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
