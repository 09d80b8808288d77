import type * as z from 'zod/mini';
import { pageOnlyQuery } from '../../shared/http.ts';
import { fileSearchQuery } from '../../shared/schemas/file-search.schema.ts';
import { longpollQuery } from '../../shared/schemas/longpoll.schema.ts';
import { listMessagesQuery } from '../../shared/schemas/message-query.schema.ts';
import { createMessageSchema } from '../../shared/schemas/message.schema.ts';
import { batchRequestSchema, rescheduleSchema, sendRequestSchema } from '../../shared/schemas/notification.schema.ts';
import { settingsSchema } from '../../shared/schemas/settings.schema.ts';
import { listNotificationsQuery } from '../../shared/schemas/notification-query.schema.ts';
import { optOutRequestSchema } from '../../shared/schemas/opt-out.schema.ts';
import {
  fileIdParams,
  lineIdParams,
  messageIdParams,
  notificationIdParams,
  phoneParams,
  ruleIdParams,
  templateIdParams,
} from '../../shared/schemas/path-params.schema.ts';
import { createRuleSchema, patchRuleSchema } from '../../shared/schemas/rule.schema.ts';
import { createTemplateSchema, patchTemplateSchema } from '../../shared/schemas/template.schema.ts';
import { createUploadSchema } from '../../shared/schemas/upload.schema.ts';
import { createLineSchema, updateLineSchema } from '../../shared/schemas/line.schema.ts';
import {
  callIdParams,
  callListQuery,
  conversationIdParams,
  conversationListQuery,
  conversationReplySchema,
  conversationUpdateSchema,
} from '../../shared/schemas/voice.schema.ts';
import { pageOf, schemaRef, type JsonSchema } from './components.ts';

/** One answer of an operation: its description and, when it has a body, the body's schema. */
export interface Answer {
  description: string;
  schema?: JsonSchema;
  /** The body's media type when it is not JSON. */
  mediaType?: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/**
 * What the API reference says of one route beyond the topology: the zod schemas its handler
 * validates with (the same objects, imported from shared/schemas) and its answers. Errors every
 * route of its kind can give (400, 401, 404, 403 for webhooks) are added by the generator.
 */
export interface Operation {
  summary: string;
  description?: string;
  tag: string;
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  params?: z.ZodMiniType;
  /** A request body that is not JSON (webhooks' forms, raw images), written by hand. */
  rawBody?: { mediaType: string; schema: JsonSchema; description?: string }[];
  answers: Record<number, Answer>;
}

const notification: Answer = { description: 'The notification.', schema: schemaRef('Notification') };
const rule: Answer = { description: 'The rule.', schema: schemaRef('Rule') };
const template: Answer = { description: 'The template.', schema: schemaRef('Template') };
const conflict = (description: string): Answer => ({ description, schema: schemaRef('Error') });
const line: Answer = { description: 'The line.', schema: schemaRef('Line') };
const voiceTwiml: Answer = { description: 'TwiML for the call.', mediaType: 'text/xml', schema: { type: 'string' } };
const twiml: Answer = { description: 'TwiML (an empty `<Response/>` unless there is a reply).', mediaType: 'text/xml', schema: { type: 'string' } };

/**
 * Every route's entry, keyed `METHOD /path` as in shared/topology.ts. A route added to the topology
 * without an entry here is left out of the document, and test/lib/openapi.test.ts names it.
 */
export const operations: Record<string, Operation> = {
  'POST /uploads': {
    tag: 'Files',
    summary: 'A presigned POST for a new file',
    description:
      'Answers where and how to upload: POST `multipart/form-data` to `url` with every entry of `fields`, then the file as `file`. The object key is made by the server; size and content type are conditions of the signed policy.',
    body: createUploadSchema,
    answers: { 201: { description: 'Where to upload.', schema: schemaRef('Upload') } },
  },
  'GET /files': {
    tag: 'Files',
    summary: "Search the caller's files, newest first",
    description: '`name` is a case-insensitive prefix of the file name, `tag` an exact tag, `from`/`to` bound `uploadedAt` (a bare date is a whole UTC day).',
    query: fileSearchQuery,
    answers: { 200: { description: 'A page of files.', schema: pageOf('FileMetadata') } },
  },
  'GET /files/{fileId}': {
    tag: 'Files',
    summary: 'One file with its notifications',
    params: fileIdParams,
    answers: { 200: { description: 'The file.', schema: schemaRef('FileWithNotifications') } },
  },
  'POST /rules': {
    tag: 'Rules',
    summary: 'Create a notification rule',
    description:
      '`target` must be E.164 for sms, mms and whatsapp, an email address for email. Give `messageTemplate` or `templateId`, not both. Unknown fields are refused.',
    body: createRuleSchema,
    answers: { 201: rule, 422: { description: 'The caller has the most rules one user may have.', schema: schemaRef('Error') } },
  },
  'GET /rules': {
    tag: 'Rules',
    summary: "The caller's rules",
    query: pageOnlyQuery,
    answers: { 200: { description: 'A page of rules.', schema: pageOf('Rule') } },
  },
  'GET /rules/{ruleId}': { tag: 'Rules', summary: 'One rule', params: ruleIdParams, answers: { 200: rule } },
  'PATCH /rules/{ruleId}': {
    tag: 'Rules',
    summary: 'Change some fields of a rule',
    description: 'The merged rule is validated as a whole, as on creation.',
    params: ruleIdParams,
    body: patchRuleSchema,
    answers: { 200: rule, 409: conflict('The rule changed while the update was applied; read it again and retry.') },
  },
  'DELETE /rules/{ruleId}': { tag: 'Rules', summary: 'Delete a rule', params: ruleIdParams, answers: { 204: { description: 'Deleted.' } } },
  'GET /notifications': {
    tag: 'Notifications',
    summary: "The caller's notifications, newest first",
    query: listNotificationsQuery,
    answers: { 200: { description: 'A page of notifications.', schema: pageOf('Notification') } },
  },
  'GET /notifications/longpoll': {
    tag: 'Notifications',
    summary: 'Wait for notifications created after a cursor',
    description: "Answers as soon as there are any, or after `timeout` seconds with none. Pass the answer's `cursor` back as `since`.",
    query: longpollQuery,
    answers: { 200: { description: 'The new notifications, oldest first.', schema: schemaRef('LongpollAnswer') } },
  },
  'POST /twilio/status': {
    tag: 'Twilio webhooks',
    summary: 'Twilio status callbacks',
    description: 'Moves the notification forward (never backwards). The query names the notification (`u`, `n`) on the callbacks the senders ask for.',
    rawBody: [{ mediaType: 'application/x-www-form-urlencoded', schema: schemaRef('TwilioStatusCallback') }],
    answers: { 200: twiml },
  },
  'POST /twilio/incoming': {
    tag: 'Twilio webhooks',
    summary: 'Inbound messages, opt-out keywords and MMS media',
    rawBody: [{ mediaType: 'application/x-www-form-urlencoded', schema: schemaRef('TwilioIncomingMessage') }],
    answers: { 200: twiml },
  },
  'POST /messages': {
    tag: 'Messages',
    summary: 'Store a message',
    description:
      'At most 5 accepted messages per `from` in any rolling 60 s. The same `from`, `to` and `message` within 2 s of an accepted one answers the first.',
    body: createMessageSchema,
    answers: {
      202: { description: 'Accepted; a queue consumer moves it to `stored`, then `processed`.', schema: schemaRef('MessageAccepted') },
      200: { description: 'A duplicate of a message accepted within 2 s: the first one\'s id, `"duplicate": true`.', schema: schemaRef('MessageAccepted') },
      429: {
        description: 'RATE_LIMITED: too many messages from this `from`; nothing stored.',
        schema: schemaRef('Error'),
        headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
      },
    },
  },
  'GET /messages': {
    tag: 'Messages',
    summary: "The caller's messages, newest first",
    query: listMessagesQuery,
    answers: {
      200: { description: 'A page of messages.', schema: pageOf('Message', { limit: { type: 'integer' }, offset: { type: 'integer' } }) },
    },
  },
  'GET /messages/{messageId}': {
    tag: 'Messages',
    summary: 'One message',
    params: messageIdParams,
    answers: { 200: { description: 'The message.', schema: schemaRef('Message') } },
  },
  'POST /messages/{messageId}/media': {
    tag: 'Messages',
    summary: 'Attach an image to a message',
    description:
      'PNG, JPEG, GIF or WebP, recognised by their bytes, at most 5 MB. The same bytes are stored once per user. Deployed, this route carries images of up to about 4.4 MB (Lambda takes at most 6 MB of request, the body base64-encoded); for larger ones use `POST /messages/{messageId}/media/uploads`.',
    params: messageIdParams,
    rawBody: [
      { mediaType: 'image/*', schema: { type: 'string', contentMediaType: 'image/*' }, description: 'The image as the raw body.' },
      {
        mediaType: 'multipart/form-data',
        schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: 'image/*' } } },
        description: 'One part named `file`.',
      },
    ],
    answers: {
      201: { description: 'Stored.', schema: schemaRef('Media') },
      200: { description: 'These bytes were stored already: the same `mediaId`, `"deduplicated": true`.', schema: schemaRef('Media') },
      413: { description: 'Larger than 5 MB.', schema: schemaRef('Error') },
      415: { description: 'Not a PNG, JPEG, GIF or WebP image.', schema: schemaRef('Error') },
    },
  },
  'POST /messages/{messageId}/media/uploads': {
    tag: 'Messages',
    summary: 'A presigned POST for one image of the message, past the API',
    description:
      'For images the raw-body route cannot carry when deployed (API Gateway hands Lambda the body base64-encoded, and Lambda takes at most 6 MB: about 4.4 MB of image). POST `multipart/form-data` to `url` with every entry of `fields`, then the image as `file`, within 5 minutes; the policy refuses more than 5 MB. Once stored, the image is checked by its bytes and attached as `POST /messages/{messageId}/media` would attach it, usually within a second or two: it then appears in `GET /messages/{messageId}/media` (the same bytes are stored once per user). What is not a whole PNG, JPEG, GIF or WebP image is deleted and never appears.',
    params: messageIdParams,
    answers: { 201: { description: 'Where to upload the image.', schema: schemaRef('MediaUpload') } },
  },
  'GET /messages/{messageId}/media': {
    tag: 'Messages',
    summary: "A message's images",
    params: messageIdParams,
    answers: {
      200: {
        description: 'The images, with presigned links.',
        schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: schemaRef('Media') } } },
      },
    },
  },
  'GET /metrics': {
    tag: 'Metrics',
    summary: "The caller's message and notification figures, and every queue's depth",
    answers: { 200: { description: 'The figures.', schema: schemaRef('Metrics') } },
  },
  'POST /notifications': {
    tag: 'Notifications',
    summary: 'Send one message, now or scheduled',
    description:
      'Exactly one of `body` and `templateId`. The same `idempotencyKey` within 24 h, or the same recipient and rendered body within the dedup window, answers 200 with the earlier notification.',
    body: sendRequestSchema,
    answers: {
      201: notification,
      200: { description: 'An earlier notification (idempotency key, or `"duplicate": true`).', schema: schemaRef('Notification') },
    },
  },
  'GET /notifications/{notificationId}': {
    tag: 'Notifications',
    summary: 'One notification with its history',
    params: notificationIdParams,
    answers: { 200: notification },
  },
  'DELETE /notifications/{notificationId}': {
    tag: 'Notifications',
    summary: 'Cancel a scheduled or pending send',
    params: notificationIdParams,
    answers: { 200: { description: 'Canceled.', schema: schemaRef('Notification') }, 409: conflict('NOT_CANCELABLE: it is past `pending`.') },
  },
  'PATCH /notifications/{notificationId}': {
    tag: 'Notifications',
    summary: 'Move a scheduled send to another time',
    params: notificationIdParams,
    body: rescheduleSchema,
    answers: { 200: notification, 409: conflict('NOT_RESCHEDULABLE: it is no longer `scheduled`.') },
  },
  'POST /templates': {
    tag: 'Templates',
    summary: 'Create a message template',
    body: createTemplateSchema,
    answers: { 201: template, 409: conflict('NAME_TAKEN: the caller has a template of that name.') },
  },
  'GET /templates': {
    tag: 'Templates',
    summary: "The caller's templates",
    query: pageOnlyQuery,
    answers: { 200: { description: 'A page of templates.', schema: pageOf('Template') } },
  },
  'GET /templates/{templateId}': { tag: 'Templates', summary: 'One template', params: templateIdParams, answers: { 200: template } },
  'PATCH /templates/{templateId}': {
    tag: 'Templates',
    summary: 'Change some fields of a template',
    params: templateIdParams,
    body: patchTemplateSchema,
    answers: { 200: template, 409: conflict('NAME_TAKEN, or CONFLICT when it changed meanwhile.') },
  },
  'DELETE /templates/{templateId}': { tag: 'Templates', summary: 'Delete a template', params: templateIdParams, answers: { 204: { description: 'Deleted.' } } },
  'GET /settings': {
    tag: 'Settings',
    summary: "The caller's settings",
    answers: { 200: { description: 'The settings, defaults filled in.', schema: schemaRef('Settings') } },
  },
  'PUT /settings': {
    tag: 'Settings',
    summary: 'Change quiet hours, the dedup window or the opt-out line',
    body: settingsSchema,
    answers: { 200: { description: 'The settings now.', schema: schemaRef('Settings') } },
  },
  'POST /notifications/batch': {
    tag: 'Notifications',
    summary: 'Up to 100 sends, each with its own outcome',
    description: 'Each item is a POST /notifications body (SendRequest), checked on its own: one bad item fails alone.',
    body: batchRequestSchema,
    answers: { 200: { description: 'One result per item, in order.', schema: schemaRef('BatchResult') } },
  },
  'GET /opt-outs/{phone}': {
    tag: 'Opt-outs',
    summary: 'Whether a number opted out, with every change',
    params: phoneParams,
    answers: { 200: { description: "The number's opt-out state.", schema: schemaRef('OptOut') } },
  },
  'PUT /opt-outs/{phone}': {
    tag: 'Opt-outs',
    summary: "Opt a number out on a user's word",
    description: 'Only `{"optedOut": true}`: opting back in is the recipient\'s own act (START).',
    params: phoneParams,
    body: optOutRequestSchema,
    answers: {
      200: { description: "The number's opt-out state.", schema: schemaRef('OptOut') },
      403: { description: 'An opt-in through the API.', schema: schemaRef('Error') },
    },
  },
  'POST /lines': {
    tag: 'Voice',
    summary: 'Create a line on a number the Twilio account owns',
    description:
      "Points the number's voice and messaging webhooks at this deployment. Messages the number received before any line claimed it become the caller's.",
    body: createLineSchema,
    answers: {
      201: line,
      409: conflict('NUMBER_TAKEN: another line has this number.'),
      422: conflict('NUMBER_NOT_OWNED: the Twilio account does not own the number.'),
      502: conflict('TWILIO_UNAVAILABLE: Twilio refused to point the number here; nothing was kept.'),
    },
  },
  'GET /lines': {
    tag: 'Voice',
    summary: "The caller's lines",
    query: pageOnlyQuery,
    answers: { 200: { description: 'A page of lines.', schema: pageOf('Line') } },
  },
  'GET /lines/{lineId}': { tag: 'Voice', summary: 'One line', params: lineIdParams, answers: { 200: line } },
  'PATCH /lines/{lineId}': {
    tag: 'Voice',
    summary: 'Change some fields of a line',
    description: '`null` clears an optional field. The number cannot change: delete the line and create another.',
    params: lineIdParams,
    body: updateLineSchema,
    answers: { 200: line },
  },
  'DELETE /lines/{lineId}': {
    tag: 'Voice',
    summary: 'Delete a line and free its number',
    description: 'Its calls and conversations stay readable.',
    params: lineIdParams,
    answers: { 204: { description: 'Deleted.' } },
  },
  'GET /calls': {
    tag: 'Voice',
    summary: "The caller's calls, newest first",
    query: callListQuery,
    answers: { 200: { description: 'A page of calls.', schema: pageOf('Call') } },
  },
  'GET /calls/{callId}': { tag: 'Voice', summary: 'One call', params: callIdParams, answers: { 200: { description: 'The call.', schema: schemaRef('Call') } } },
  'GET /conversations': {
    tag: 'Voice',
    summary: "The caller's conversations",
    query: conversationListQuery,
    answers: { 200: { description: 'A page of conversations.', schema: pageOf('Conversation') } },
  },
  'GET /conversations/{conversationId}': {
    tag: 'Voice',
    summary: 'One conversation with its messages in order',
    params: conversationIdParams,
    answers: { 200: { description: 'The conversation.', schema: schemaRef('ConversationWithMessages') } },
  },
  'PATCH /conversations/{conversationId}': {
    tag: 'Voice',
    summary: 'Close or reopen a conversation',
    params: conversationIdParams,
    body: conversationUpdateSchema,
    answers: { 200: { description: 'The conversation.', schema: schemaRef('Conversation') } },
  },
  'POST /conversations/{conversationId}/messages': {
    tag: 'Voice',
    summary: "Reply to the customer from the line's number",
    description: 'Sent through the notification pipeline (opt-outs, pacing, exactly once, status callbacks).',
    params: conversationIdParams,
    body: conversationReplySchema,
    answers: { 201: { description: 'The reply, with the notification that sends it.', schema: { type: 'object' } } },
  },
  'POST /twilio/voice': {
    tag: 'Twilio webhooks',
    summary: 'An incoming call',
    description: "Within business hours `<Dial>` to the line's `forwardTo`; outside, voicemail; a number no line holds, a short `<Say>` and `<Hangup/>`.",
    rawBody: [{ mediaType: 'application/x-www-form-urlencoded', schema: schemaRef('TwilioVoiceWebhook') }],
    answers: { 200: voiceTwiml },
  },
  'POST /twilio/voice/dial-status': {
    tag: 'Twilio webhooks',
    summary: "The forwarded call's outcome",
    description: '`no-answer`, `busy`, `failed` and `canceled` make the call missed: one auto-reply SMS, and voicemail TwiML when the line has it.',
    rawBody: [{ mediaType: 'application/x-www-form-urlencoded', schema: schemaRef('TwilioVoiceWebhook') }],
    answers: { 200: voiceTwiml },
  },
  'POST /twilio/voice/recording': {
    tag: 'Twilio webhooks',
    summary: "A voicemail's recording",
    rawBody: [{ mediaType: 'application/x-www-form-urlencoded', schema: schemaRef('TwilioVoiceWebhook') }],
    answers: { 200: voiceTwiml },
  },
  'POST /twilio/voice/status': {
    tag: 'Twilio webhooks',
    summary: "A call's final status",
    rawBody: [{ mediaType: 'application/x-www-form-urlencoded', schema: schemaRef('TwilioVoiceWebhook') }],
    answers: { 200: voiceTwiml },
  },
};

/** The request schemas the batch items are checked with, shown as a component. */
export const extraRequestSchemas: Record<string, z.ZodMiniType> = { SendRequest: sendRequestSchema };
