import { messageStatuses } from '../../shared/domain/messages.ts';
import { notificationStatuses } from '../../shared/domain/notification-status.ts';
import { channels } from '../../shared/schemas/rule.schema.ts';

/**
 * The answers' shapes, as the presenters in shared/domain write them (the contract's
 * resources). Requests are validated with zod and documented from those schemas; answers are
 * not parsed, so they are written here once, as JSON Schema.
 */
export type JsonSchema = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const time: JsonSchema = { type: 'string', format: 'date-time' };
const text: JsonSchema = { type: 'string' };
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

/** A list answer: `{"items":[…],"nextCursor"}`, and any fields the list adds. */
export const pageOf = (item: string, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: ref(item) },
    ...extra,
    nextCursor: nullable({ type: 'string', description: 'Opaque; pass it back as `cursor` for the next page. Null on the last page.' }),
  },
});

export const schemaRef = ref;

export const componentSchemas: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', examples: ['VALIDATION_ERROR', 'NOT_FOUND'] },
          message: { type: 'string', description: 'What went wrong, in words a person can act on.' },
          details: { description: 'For VALIDATION_ERROR, every bad field: `[{"field","message"}]`.' },
        },
      },
    },
  },
  Upload: {
    type: 'object',
    required: ['fileId', 'url', 'fields', 'expiresAt'],
    properties: {
      fileId: text,
      url: { type: 'string', format: 'uri', description: 'POST the file here as multipart/form-data: every entry of `fields`, then the file as `file`.' },
      fields: { type: 'object', additionalProperties: { type: 'string' } },
      expiresAt: time,
    },
  },
  MediaUpload: {
    type: 'object',
    required: ['uploadId', 'url', 'fields', 'expiresAt', 'maxBytes'],
    properties: {
      uploadId: text,
      url: {
        type: 'string',
        format: 'uri',
        description: 'POST the image here as multipart/form-data: every entry of `fields`, then the image as `file`. S3 answers 204.',
      },
      fields: { type: 'object', additionalProperties: { type: 'string' } },
      expiresAt: time,
      maxBytes: { type: 'integer', description: 'The largest image the form accepts (5 MB); S3 refuses a larger one.' },
    },
  },
  FileMetadata: {
    type: 'object',
    required: ['fileId', 'fileName', 'fileType', 'contentType', 'sizeBytes', 'tags', 'uploadedAt', 'downloadUrl'],
    properties: {
      fileId: text,
      fileName: text,
      fileType: { type: 'string', description: 'The lower-case extension without the dot; "" when there is none.' },
      contentType: text,
      sizeBytes: { type: 'integer', description: "From the stored object, not the client's claim." },
      tags: { type: 'array', items: text },
      uploadedAt: time,
      downloadUrl: { type: 'string', format: 'uri', description: 'A short-lived presigned GET.' },
    },
  },
  FileWithNotifications: {
    allOf: [ref('FileMetadata'), { type: 'object', required: ['notifications'], properties: { notifications: { type: 'array', items: ref('Notification') } } }],
  },
  Rule: {
    type: 'object',
    required: ['ruleId', 'eventType', 'notifyVia', 'target', 'isActive', 'createdAt', 'updatedAt'],
    properties: {
      ruleId: text,
      eventType: { const: 'file_upload' },
      fileType: nullable(text),
      fileNameRegex: nullable(text),
      minSizeKb: nullable({ type: 'number' }),
      notifyVia: { enum: [...channels] },
      target: { type: 'string', description: 'E.164 for sms, mms and whatsapp; a lower-case email address for email.' },
      isActive: { type: 'boolean' },
      messageTemplate: nullable(text),
      templateId: text,
      createdAt: time,
      updatedAt: time,
    },
  },
  Notification: {
    type: 'object',
    required: ['notificationId', 'source', 'channel', 'target', 'status', 'attempts', 'createdAt', 'updatedAt'],
    properties: {
      notificationId: text,
      source: { enum: ['rule', 'api', 'missed-call', 'conversation'] },
      fileId: text,
      ruleId: text,
      channel: { enum: [...channels] },
      target: text,
      status: { enum: [...notificationStatuses], description: 'Never moves backwards.' },
      body: { type: 'string', description: 'As rendered.' },
      templateId: text,
      priority: { type: 'integer', minimum: 0, maximum: 10 },
      sendAt: time,
      metadata: { type: 'object' },
      messageSid: text,
      errorCode: text,
      errorMessage: text,
      attempts: { type: 'integer' },
      segments: { type: 'integer' },
      encoding: { enum: ['GSM-7', 'UCS-2'] },
      createdAt: time,
      updatedAt: time,
      history: {
        type: 'array',
        items: { type: 'object', required: ['status', 'at'], properties: { status: { enum: [...notificationStatuses] }, at: time, errorCode: text } },
      },
      duplicate: { type: 'boolean', description: 'Present (true) when the answer is an earlier notification with the same recipient and body.' },
    },
  },
  BatchResult: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'status'],
          properties: {
            index: { type: 'integer' },
            status: { type: 'integer', description: '201, 200, or the 4xx this item alone failed with.' },
            notification: ref('Notification'),
            error: { type: 'object' },
          },
        },
      },
    },
  },
  LongpollAnswer: {
    type: 'object',
    required: ['items', 'cursor'],
    properties: { items: { type: 'array', items: ref('Notification') }, cursor: { type: 'string', description: 'Pass it back as `since`.' } },
  },
  Template: {
    type: 'object',
    required: ['templateId', 'name', 'body', 'variables', 'createdAt', 'updatedAt'],
    properties: { templateId: text, name: text, body: text, description: text, variables: { type: 'array', items: text }, createdAt: time, updatedAt: time },
  },
  Settings: {
    type: 'object',
    required: ['quietHours', 'dedupWindowSeconds', 'optOutFooter'],
    properties: {
      quietHours: nullable({ type: 'object', required: ['start', 'end', 'timezone'], properties: { start: text, end: text, timezone: text } }),
      dedupWindowSeconds: { type: 'integer' },
      optOutFooter: nullable(text),
    },
  },
  OptOut: {
    type: 'object',
    required: ['phone', 'optedOut', 'history'],
    properties: {
      phone: text,
      optedOut: { type: 'boolean' },
      history: {
        type: 'array',
        items: {
          type: 'object',
          required: ['action', 'source', 'at'],
          properties: { action: { enum: ['opt_out', 'opt_in'] }, source: { enum: ['keyword', 'twilio_21610', 'api'] }, at: time },
        },
      },
    },
  },
  Media: {
    type: 'object',
    required: ['mediaId', 'contentType', 'sizeBytes', 'url'],
    properties: {
      mediaId: { type: 'string', description: 'The SHA-256 of the bytes, hex.' },
      contentType: text,
      sizeBytes: { type: 'integer' },
      url: { type: 'string', format: 'uri', description: 'A presigned GET.' },
      deduplicated: { type: 'boolean', description: 'Present (true) when these bytes were stored already.' },
    },
  },
  Message: {
    type: 'object',
    required: ['messageId', 'from', 'to', 'message', 'receivedAt', 'status', 'source', 'media'],
    properties: {
      messageId: text,
      from: text,
      to: text,
      message: text,
      receivedAt: time,
      status: { enum: [...messageStatuses] },
      source: { enum: ['api', 'twilio'] },
      processedAt: time,
      processingMs: { type: 'number' },
      media: { type: 'array', items: ref('Media') },
    },
  },
  MessageAccepted: {
    type: 'object',
    required: ['messageId'],
    properties: { messageId: text, status: { const: 'received' }, receivedAt: time, duplicate: { type: 'boolean' } },
  },
  Metrics: {
    type: 'object',
    required: ['messages', 'notifications', 'queues'],
    properties: {
      messages: { type: 'object', properties: { totalProcessed: { type: 'integer' }, queueSize: { type: 'integer' }, avgProcessingMs: { type: 'number' } } },
      notifications: { type: 'object', properties: { sentToday: { type: 'integer' }, failedLast24h: { type: 'integer' }, scheduled: { type: 'integer' } } },
      queues: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: { visible: { type: 'integer' }, inFlight: { type: 'integer' }, oldestAgeSeconds: { type: 'integer' } },
        },
      },
    },
  },
  Line: {
    type: 'object',
    required: ['lineId', 'number', 'forwardTo', 'ringSeconds', 'missedCallReply', 'voicemail', 'replyWindowHours', 'createdAt', 'updatedAt'],
    properties: {
      lineId: text,
      number: { type: 'string', description: 'The Twilio number callers dial (E.164).' },
      forwardTo: { type: 'string', description: "The owner's phone (E.164)." },
      businessName: text,
      ringSeconds: { type: 'integer', minimum: 5, maximum: 600 },
      missedCallReply: { type: 'string', description: 'Template: {{businessName}}, {{callerNumber}}.' },
      voicemail: { type: 'boolean' },
      businessHours: {
        type: 'object',
        required: ['timezone', 'days'],
        properties: {
          timezone: { type: 'string', description: 'IANA time zone.' },
          days: {
            type: 'object',
            additionalProperties: { type: 'array', items: { type: 'array', items: { type: 'string', pattern: '^\\d{2}:\\d{2}$' }, minItems: 2, maxItems: 2 } },
          },
        },
      },
      replyWindowHours: { type: 'integer', minimum: 0, maximum: 720 },
      handoffUrl: { type: 'string', format: 'uri' },
      createdAt: time,
      updatedAt: time,
    },
  },
  Call: {
    type: 'object',
    required: ['callId', 'lineId', 'from', 'to', 'status', 'startedAt'],
    properties: {
      callId: { type: 'string', description: "Twilio's CallSid." },
      lineId: text,
      from: text,
      to: text,
      status: { type: 'string', enum: ['ringing', 'answered', 'missed', 'voicemail', 'failed'] },
      dialStatus: text,
      afterHours: { type: 'boolean' },
      durationSeconds: { type: 'integer' },
      recordingUrl: text,
      recordingSeconds: { type: 'integer' },
      autoReply: { type: 'object', required: ['notificationId', 'status'], properties: { notificationId: text, status: text } },
      autoReplySkipped: { type: 'string', enum: ['opted-out', 'reply-window'] },
      conversationId: text,
      startedAt: time,
      endedAt: time,
    },
  },
  Conversation: {
    type: 'object',
    required: ['conversationId', 'lineId', 'customer', 'status', 'needsAttention', 'lastMessageAt'],
    properties: {
      conversationId: text,
      lineId: text,
      customer: text,
      status: { type: 'string', enum: ['open', 'closed'] },
      needsAttention: { type: 'boolean' },
      lastMessageAt: time,
      createdAt: time,
    },
  },
  ConversationWithMessages: {
    allOf: [
      ref('Conversation'),
      {
        type: 'object',
        required: ['messages'],
        properties: {
          messages: {
            type: 'array',
            items: {
              type: 'object',
              required: ['direction', 'body', 'at'],
              properties: { direction: { type: 'string', enum: ['inbound', 'outbound'] }, body: text, at: time, status: text, notificationId: text },
            },
          },
        },
      },
    ],
  },
  TwilioVoiceWebhook: {
    type: 'object',
    required: ['CallSid'],
    properties: {
      CallSid: text,
      From: text,
      To: text,
      CallStatus: text,
      DialCallStatus: text,
      RecordingUrl: text,
      RecordingDuration: text,
      CallDuration: text,
    },
    description: 'Form fields as Twilio sends them to each voice webhook.',
  },
  TwilioStatusCallback: {
    type: 'object',
    required: ['MessageSid', 'MessageStatus'],
    properties: { MessageSid: text, MessageStatus: text, ErrorCode: text, AccountSid: text, From: text, To: text },
    description: 'Form fields as Twilio sends them; `SmsStatus` is read when `MessageStatus` is absent.',
  },
  TwilioIncomingMessage: {
    type: 'object',
    required: ['MessageSid', 'From', 'To'],
    properties: { MessageSid: text, From: text, To: text, Body: text, NumMedia: text, MediaUrl0: text, MediaContentType0: text },
    description: 'Form fields as Twilio sends them; MediaUrlN and MediaContentTypeN for each of NumMedia images.',
  },
};
