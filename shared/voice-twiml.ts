// Only the TwiML builder: the package's entry point would pull in the whole REST client.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import type { CallStep } from './domain/calls.ts';
import type { HttpResult } from './http.ts';

/** Longest voicemail, in seconds. */
const MAX_VOICEMAIL_SECONDS = 120;

/** The TwiML document that carries out a call step, built with Twilio's own builder. */
export function voiceTwiml(step: CallStep): HttpResult {
  const response = new VoiceResponse();
  switch (step.kind) {
    case 'dial':
      response.dial({ timeout: step.ringSeconds, action: step.action, method: 'POST', callerId: step.callerId }, step.forwardTo);
      break;
    case 'voicemail':
      response.say(step.greeting);
      response.record({ action: step.action, method: 'POST', maxLength: MAX_VOICEMAIL_SECONDS, playBeep: true });
      break;
    case 'goodbye':
      response.say(step.say);
      response.hangup();
      break;
    case 'hangup':
      response.hangup();
      break;
    case 'nothing':
      break;
  }
  return { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: response.toString() };
}
