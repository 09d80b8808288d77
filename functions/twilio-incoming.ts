import { logger } from '../shared/logger.ts';
import { field, twilioWebhook, twiml } from '../shared/twilio-webhook.ts';

// Inbound messages are acknowledged and logged; storing them and acting on opt-out keywords comes next.
export const handler = twilioWebhook(async ({ params }) => {
  logger.info('Inbound message', {
    messageSid: field(params, 'MessageSid'),
    from: field(params, 'From'),
    to: field(params, 'To'),
    numMedia: field(params, 'NumMedia'),
  });
  return twiml();
});
