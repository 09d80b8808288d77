/** A simulated message: how the simulator stores it and how Twilio's REST API writes it. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export const API_VERSION = '2010-04-01';

export const messageStatusSchema = z.enum(['accepted', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed']);
export type SimulatedMessageStatus = z.infer<typeof messageStatusSchema>;

/** One message the simulator accepted or rejected, as kept in memory and in the store file. */
export const simulatedMessageSchema = z.object({
  sid: z.string(),
  accountSid: z.string(),
  /** false for sends rejected with a 400: they appear in the local list but not in the REST API. */
  accepted: z.boolean(),
  from: z.string().nullable(),
  to: z.string(),
  body: z.string(),
  mediaUrls: z.array(z.string()),
  messagingServiceSid: z.string().nullable(),
  statusCallback: z.string().nullable(),
  status: messageStatusSchema,
  errorCode: z.number().nullable(),
  errorMessage: z.string().nullable(),
  numSegments: z.number(),
  dateCreated: z.string(),
  dateUpdated: z.string(),
  dateSent: z.string().nullable(),
});
export type SimulatedMessage = z.infer<typeof simulatedMessageSchema>;

/** The item shape of `GET /local/twilio/messages`. */
export interface LocalMessageItem {
  sid: string;
  from: string | null;
  to: string;
  body: string;
  mediaUrls: string[];
  status: SimulatedMessageStatus;
  errorCode: number | null;
  dateCreated: string;
}

/** Statuses a message moves on from by itself. */
export const UNFINISHED = new Set(['accepted', 'queued', 'sending', 'sent']);

export function toResource(message: SimulatedMessage) {
  const uri = `/${API_VERSION}/Accounts/${message.accountSid}/Messages/${message.sid}.json`;
  return {
    account_sid: message.accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: toRfc2822(message.dateCreated),
    date_sent: message.dateSent === null ? null : toRfc2822(message.dateSent),
    date_updated: toRfc2822(message.dateUpdated),
    direction: 'outbound-api',
    error_code: message.errorCode,
    error_message: message.errorMessage,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    num_media: String(message.mediaUrls.length),
    num_segments: String(message.numSegments),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: `/${API_VERSION}/Accounts/${message.accountSid}/Messages/${message.sid}/Media.json` },
    to: message.to,
    uri,
  };
}

export function toLocalItem(message: SimulatedMessage): LocalMessageItem {
  return {
    sid: message.sid,
    from: message.from,
    to: message.to,
    body: message.body,
    mediaUrls: message.mediaUrls,
    status: message.status,
    errorCode: message.errorCode,
    dateCreated: message.dateCreated,
  };
}

/** Twilio writes dates as RFC 2822 with a numeric zone, e.g. "Thu, 24 Aug 2023 05:01:45 +0000". */
export function toRfc2822(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

/** Twilio names a message with media `MM…`, any other `SM…`. */
export function newMessageSid(withMedia = false): string {
  return `${withMedia ? 'MM' : 'SM'}${randomBytes(16).toString('hex')}`;
}

/** `RawDlrDoneDate` as carriers write it on a final callback: YYMMDDhhmm, UTC. */
export function rawDlrDoneDate(iso: string): string {
  return iso.slice(2, 16).replace(/[-T:]/g, '');
}

export const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
export const GSM7_EXTENDED = new Set('^{}\\[~]|€\f');

/** Segments as carriers count them: GSM-7 fits 160 septets (153 when split), anything else UCS-2 70 (67). */
export function countSegments(body: string): number {
  let septets = 0;
  let gsm7 = true;
  for (const char of body) {
    if (GSM7_BASIC.has(char)) septets += 1;
    else if (GSM7_EXTENDED.has(char)) septets += 2;
    else gsm7 = false;
  }
  const [units, single, multi] = gsm7 ? [septets, 160, 153] : [body.length, 70, 67];
  return units <= single ? 1 : Math.ceil(units / multi);
}
