/** Requests the simulator makes to the app, signed as Twilio signs them: status callbacks and inbound webhooks. */
import { twilioSignature } from '../../../shared/adapters/twilio-signature.ts';
import { API_VERSION, rawDlrDoneDate, type SimulatedMessage } from './message.ts';

const FINAL_WITH_RECEIPT = new Set(['delivered', 'undelivered']);

/** The form fields of a status callback for the message's current status. */
export function statusCallbackParams(message: SimulatedMessage): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: message.accountSid,
    ApiVersion: API_VERSION,
    From: message.from ?? '',
    To: message.to,
    MessageSid: message.sid,
    SmsSid: message.sid,
    SmsStatus: message.status,
    MessageStatus: message.status,
  };
  if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
  if (message.errorCode !== null) params.ErrorCode = String(message.errorCode);
  // Carriers' delivery receipts date the final status; Twilio passes it on.
  if (FINAL_WITH_RECEIPT.has(message.status)) params.RawDlrDoneDate = rawDlrDoneDate(message.dateUpdated);
  return params;
}

/** Posts params form-encoded with the X-Twilio-Signature header Twilio computes from the auth token. */
export function postSignedForm(
  fetchImpl: typeof fetch,
  authToken: string,
  url: string,
  params: Record<string, string>,
  idempotencyToken: string,
  signal: AbortSignal,
): Promise<Response> {
  return fetchImpl(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': twilioSignature(authToken, url, params),
      'I-Twilio-Idempotency-Token': idempotencyToken,
      'User-Agent': 'TwilioProxy/1.1',
    },
    body: new URLSearchParams(params).toString(),
    signal,
  });
}
