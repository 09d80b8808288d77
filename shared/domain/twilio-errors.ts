/** Readable text for the Twilio error codes a notification is most likely to end with. */
const descriptions: Record<string, string> = {
  '20003': 'Twilio refused the account credentials.',
  '20429': 'Twilio throttled the request (too many requests).',
  '21211': "The 'To' number is not a valid phone number.",
  '21212': "The 'From' number is not a valid phone number or short code.",
  '21408': 'The account has no permission to send to this region.',
  '21606': "The 'From' number cannot send messages.",
  '21610': 'The recipient replied STOP and has opted out of messages from this number.',
  '21611': "The 'From' number's message queue is full.",
  '21612': "The 'To' number cannot be reached from the 'From' number.",
  '21614': "The 'To' number is not a mobile number.",
  '30001': 'Twilio queue overflow.',
  '30002': 'The Twilio account is suspended.',
  '30003': 'The destination handset is unreachable.',
  '30004': 'The message was blocked.',
  '30005': 'The destination number is unknown or no longer exists.',
  '30006': 'The destination is a landline or unreachable carrier.',
  '30007': 'The carrier filtered the message.',
  '30008': 'Unknown error from the carrier.',
};

/** A sentence for a Twilio error code, falling back to the code itself. */
export function describeTwilioError(code: string, fallback?: string): string {
  return descriptions[code] ?? fallback ?? `Twilio error ${code}.`;
}
