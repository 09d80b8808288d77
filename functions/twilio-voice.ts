import { CachedLineLookup } from '../shared/adapters/cached-line-lookup-adapter.ts';
import { DynamoCallRepository } from '../shared/adapters/dynamo-call-repository-adapter.ts';
import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { SqsVoiceTaskQueue } from '../shared/adapters/sqs-voice-task-queue-adapter.ts';
import * as z from 'zod/mini';
import { readConfig } from '../shared/config.ts';
import { callEnded, dialEnded, incomingCall, recordingDone, STANDIN_TASK_DELAY_SECONDS, type CallStep } from '../shared/domain/calls.ts';
import { e164Form } from '../shared/domain/phone-form.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import { field, twilioWebhook, type FormParams } from '../shared/twilio-webhook.ts';
import { voiceTwiml } from '../shared/voice-twiml.ts';

const { VOICE_STANDIN_DELAY_SECONDS } = readConfig(
  z.object({ VOICE_STANDIN_DELAY_SECONDS: z._default(z.coerce.number().check(z.gte(0), z.lte(900)), STANDIN_TASK_DELAY_SECONDS) }),
);
const deps = {
  lines: new CachedLineLookup(new DynamoLineRepository()),
  calls: new DynamoCallRepository(),
  tasks: new SqsVoiceTaskQueue(),
  standInDelaySeconds: VOICE_STANDIN_DELAY_SECONDS,
};

const required = (params: FormParams, name: string): string => {
  const value = field(params, name);
  if (!value) throw new ValidationError(`${name} is required.`);
  return value;
};
const seconds = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
/**
 * Twilio's caller id may be withheld ("anonymous"); such a caller is kept as sent. Whether a
 * caller can be texted is decided where the SMS is sent (the voice worker checks the number's
 * validity), so here the number's form is enough and the webhook loads no phone library.
 */
const number = (params: FormParams, name: string) => {
  const value = required(params, name);
  return e164Form(value) ?? value;
};

/**
 * Every voice webhook of a line's number, told apart by path. One function serves them so that
 * the relative action URLs in its TwiML reach it on whichever URL Twilio was given (its Function
 * URL deployed, the API locally); each path is its own small domain step.
 */
export const handler = twilioWebhook(async ({ params, event }) => {
  const callSid = required(params, 'CallSid');
  let step: CallStep;
  switch (event.rawPath.replace(/\/+$/, '')) {
    case '/twilio/voice':
      step = await incomingCall(deps, { callSid, from: number(params, 'From'), to: number(params, 'To') });
      break;
    case '/twilio/voice/dial-status':
      step = await dialEnded(deps, { callSid, dialStatus: required(params, 'DialCallStatus') });
      break;
    case '/twilio/voice/recording':
      step = await recordingDone(deps, { callSid, url: field(params, 'RecordingUrl'), seconds: seconds(field(params, 'RecordingDuration')) ?? 0 });
      break;
    case '/twilio/voice/status':
      step = await callEnded(deps, { callSid, callStatus: required(params, 'CallStatus'), durationSeconds: seconds(field(params, 'CallDuration')) });
      break;
    default:
      throw new NotFoundError(`The voice webhook ${event.rawPath}`);
  }
  return voiceTwiml(step);
});
