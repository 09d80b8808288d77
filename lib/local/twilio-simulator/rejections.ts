/** The sends Twilio refuses with a 400, including its test credentials' magic numbers. */
import { toE164 } from '../../../shared/domain/phone.ts';
import type { SimulatedMessage } from './message.ts';

/** Twilio picks a sender from the service's pool; this is the number its test credentials treat as valid. */
export const MESSAGING_SERVICE_SENDER = '+15005550006';
const ALPHANUMERIC_SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

/** Twilio refuses a body longer than this, however it would be split into segments. */
export const MAX_BODY_CHARACTERS = 1600;

export type Rejection = { code: number; message: string };

/** The 400 Twilio answers for a send it refuses, including its test credentials' magic numbers. */
export function rejectionFor(message: SimulatedMessage, ownedNumbers?: { has(number: string): boolean }): Rejection | null {
  if (message.to === '') return { code: 21604, message: "A 'To' phone number is required." };
  if (message.from === null && message.messagingServiceSid === null) {
    return { code: 21603, message: "A 'From' phone number is required." };
  }
  if (message.body === '' && message.mediaUrls.length === 0) {
    return { code: 21602, message: 'Message body is required.' };
  }
  if ([...message.body].length > MAX_BODY_CHARACTERS) {
    return { code: 21617, message: `The concatenated message body exceeds the ${MAX_BODY_CHARACTERS} character limit.` };
  }

  const from = message.from === null ? null : stripChannel(message.from);
  if (from !== null) {
    switch (from) {
      case '+15005550001':
        return { code: 21212, message: `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.` };
      case '+15005550007':
        return {
          code: 21606,
          message: `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number for this destination/account.`,
        };
      case '+15005550008':
        return { code: 21611, message: `This 'From' number (${from}) has exceeded the maximum number of queued messages.` };
    }
    if (toE164(from) === undefined && !ALPHANUMERIC_SENDER_ID.test(from)) {
      return { code: 21212, message: `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.` };
    }
    // Only a number of the account sends (its test number aside), as with Twilio.
    if (ownedNumbers && toE164(from) !== undefined && from !== MESSAGING_SERVICE_SENDER && !ownedNumbers.has(from)) {
      return {
        code: 21606,
        message: `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number for this destination/account.`,
      };
    }
    // Carriers in the US and Canada take no alphanumeric sender IDs.
    if (toE164(from) === undefined && stripChannel(message.to).startsWith('+1')) {
      return {
        code: 21612,
        message: `The 'To' phone number: ${stripChannel(message.to)}, is not currently reachable using the 'From' phone number: ${from} via SMS.`,
      };
    }
  }

  const to = stripChannel(message.to);
  switch (to) {
    case '+15005550001':
      return { code: 21211, message: `The 'To' number ${to} is not a valid phone number.` };
    case '+15005550002':
      return {
        code: 21612,
        message: `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number: ${from ?? MESSAGING_SERVICE_SENDER} via SMS.`,
      };
    case '+15005550003':
      return { code: 21408, message: `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.` };
    case '+15005550004':
      return { code: 21610, message: 'Attempt to send to unsubscribed recipient' };
    case '+15005550009':
      return { code: 21614, message: `'To' number ${to} is not a valid mobile number` };
  }
  if (toE164(to) === undefined) return { code: 21211, message: `The 'To' number ${to} is not a valid phone number.` };
  return null;
}

export function stripChannel(address: string): string {
  return address.startsWith('whatsapp:') ? address.slice('whatsapp:'.length) : address;
}
