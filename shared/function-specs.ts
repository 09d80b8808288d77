/**
 * Each Lambda function's declaration: its entry, sizing, and the tables, queues, bucket and
 * secrets it may touch. Part of the topology (`shared/topology.ts`), in a module of its own: the
 * stack, the local runtime and the bundler read it, while handlers read only the names in
 * `topology.ts`, so no function's bundle carries the declarations of all the others
 * (README, "Bundles").
 */
import type { Access, BusEventKey, FunctionName, QueueKey, QueueSpec, TableKey } from './topology.ts';

export interface FunctionSpec {
  /** Source file, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly tables?: Partial<Record<TableKey, Access>>;
  /** Queues the function sends to (consuming is declared on the queue). */
  readonly sendsTo?: readonly QueueKey[];
  readonly bucket?: Access;
  /** Access to the bucket's inbound-media prefix (`bucket.mediaPrefix`), apart from the uploads. */
  readonly media?: Access;
  /** Needs the Twilio credentials secret. */
  readonly twilio?: boolean;
  /** Answers paged lists, so it needs the key that signs cursors. */
  readonly pages?: boolean;
  /**
   * Called by Twilio. Deployed, it also gets a Lambda Function URL (requests to it cost nothing
   * beyond the function, where API Gateway charges for each), and that is where Twilio is sent;
   * the API route stays. The request proves itself with X-Twilio-Signature either way.
   */
  readonly webhook?: boolean;
  /** Names the status-callback webhook's URL on each message it sends. */
  readonly statusCallbacks?: boolean;
  /** Access to the message store's media objects (`bucket.messageMediaPrefix`). */
  readonly messageMedia?: Access;
  /** Access to the images posted with a presigned form, waiting to be attached (`bucket.mediaUploadPrefix`). */
  readonly mediaUploads?: Access;
  /** Deletes those waiting images once handled; no other function deletes objects. */
  readonly deletesMediaUploads?: boolean;
  /** Reads every queue's (and dead-letter queue's) attributes, for GET /metrics. */
  readonly queueStats?: boolean;
  /** Tables the function deletes items from; no other function gets DeleteItem. */
  readonly deletes?: readonly TableKey[];
  /** Points Twilio numbers at this deployment, so it needs the voice and inbound webhooks' URLs. */
  readonly configuresNumbers?: boolean;
  /** Signs hand-off events, so it needs the hand-off signing secret. */
  readonly handoffs?: boolean;
  /** Events it publishes to the event bus (see `busEvents`), each through its queue. */
  readonly publishes?: readonly BusEventKey[];
  /**
   * Compiles users' file-name patterns: the RE2 engine (re2js) ships beside its bundle and loads
   * on the first pattern (`shared/domain/user-pattern.ts`, `lib/bundling.ts`).
   */
  readonly patterns?: boolean;
}

const api = { memoryMb: 512, timeoutSeconds: 10 } as const;

export const functions = {
  'create-upload': {
    ...api,
    entry: 'functions/create-upload.ts',
    description: 'POST /uploads: a presigned POST for a new file',
    tables: { files: 'write' },
    bucket: 'write',
  },
  'get-file': {
    ...api,
    entry: 'functions/get-file.ts',
    description: 'GET /files/{fileId}: one file with its notifications',
    tables: { files: 'read', notifications: 'read' },
    bucket: 'read',
  },
  'list-files': {
    ...api,
    entry: 'functions/list-files.ts',
    description: "GET /files: search a user's files by name prefix, tag, type and upload time",
    tables: { files: 'read' },
    bucket: 'read',
    pages: true,
  },
  'create-rule': {
    ...api,
    entry: 'functions/create-rule.ts',
    description: 'POST /rules',
    tables: { rules: 'readWrite', templates: 'read' },
    patterns: true,
  },
  'list-rules': {
    ...api,
    entry: 'functions/list-rules.ts',
    description: 'GET /rules',
    tables: { rules: 'read' },
    pages: true,
  },
  'get-rule': {
    ...api,
    entry: 'functions/get-rule.ts',
    description: 'GET /rules/{ruleId}',
    tables: { rules: 'read' },
  },
  'update-rule': {
    ...api,
    entry: 'functions/update-rule.ts',
    description: 'PATCH /rules/{ruleId}',
    tables: { rules: 'readWrite', templates: 'read' },
    patterns: true,
  },
  'delete-rule': {
    ...api,
    entry: 'functions/delete-rule.ts',
    description: 'DELETE /rules/{ruleId}',
    tables: { rules: 'readWrite' },
    deletes: ['rules'],
  },
  'list-notifications': {
    ...api,
    entry: 'functions/list-notifications.ts',
    description: 'GET /notifications',
    tables: { notifications: 'read' },
    pages: true,
  },
  'longpoll-notifications': {
    // It mostly waits, so it needs little memory; it waits at most 25 s, under API Gateway's
    // 30 s integration limit, and the timeout leaves room to answer after the longest wait.
    memoryMb: 256,
    timeoutSeconds: 30,
    entry: 'functions/longpoll-notifications.ts',
    description: 'GET /notifications/longpoll: waits for notifications created after a cursor',
    tables: { notifications: 'read' },
    pages: true,
  },
  'twilio-status': {
    ...api,
    entry: 'functions/twilio-status.ts',
    description: 'POST /twilio/status: Twilio status callbacks into the notification log',
    tables: { notifications: 'readWrite' },
    sendsTo: ['statusCallback'],
    twilio: true,
    webhook: true,
  },
  'twilio-incoming': {
    ...api,
    entry: 'functions/twilio-incoming.ts',
    description: 'POST /twilio/incoming: inbound messages, opt-out keywords and MMS media',
    tables: { state: 'readWrite', notifications: 'readWrite', messages: 'readWrite', voice: 'read' },
    messageMedia: 'readWrite',
    sendsTo: ['ingest', 'voice'],
    twilio: true,
    webhook: true,
  },
  'rule-matcher': {
    memoryMb: 512,
    timeoutSeconds: 30,
    entry: 'functions/rule-matcher.ts',
    description: 'Upload queue consumer: records file metadata and fans out matching rules',
    tables: { files: 'readWrite', rules: 'read', notifications: 'readWrite', templates: 'read', state: 'read' },
    sendsTo: ['notification'],
    bucket: 'read',
    patterns: true,
  },
  'twilio-sender': {
    memoryMb: 512,
    timeoutSeconds: 30,
    entry: 'functions/twilio-sender.ts',
    description: 'Notification queue consumer: sends each notification through Twilio once',
    tables: { notifications: 'readWrite', state: 'readWrite' },
    bucket: 'read',
    twilio: true,
    statusCallbacks: true,
  },
  'twilio-status-deferred': {
    memoryMb: 256,
    timeoutSeconds: 30,
    entry: 'functions/twilio-status-deferred.ts',
    description: 'Status-callback queue consumer: applies the callbacks the webhook could not store in time',
    tables: { notifications: 'readWrite' },
  },
  'reconcile-statuses': {
    memoryMb: 256,
    timeoutSeconds: 120,
    entry: 'functions/reconcile-statuses.ts',
    description: 'Scheduled: asks Twilio for the status of notifications whose callbacks never came',
    tables: { notifications: 'readWrite' },
    twilio: true,
  },
  'create-message': {
    ...api,
    entry: 'functions/create-message.ts',
    description: 'POST /messages: validates, rate-limits and deduplicates a message, then queues it for processing',
    tables: { messages: 'readWrite', state: 'readWrite' },
    sendsTo: ['ingest'],
  },
  'list-messages': {
    ...api,
    entry: 'functions/list-messages.ts',
    description: "GET /messages: a user's messages by from, to and status, newest first",
    tables: { messages: 'read' },
    messageMedia: 'read',
    pages: true,
  },
  'get-message': {
    ...api,
    entry: 'functions/get-message.ts',
    description: 'GET /messages/{messageId}',
    tables: { messages: 'read' },
    messageMedia: 'read',
  },
  'message-processor': {
    memoryMb: 512,
    timeoutSeconds: 30,
    entry: 'functions/message-processor.ts',
    description: 'Ingest queue consumer: moves each message from received to stored to processed, once',
    tables: { messages: 'readWrite' },
  },
  'attach-message-media': {
    ...api,
    // An image of up to 5 MB arrives in the event, base64-encoded.
    memoryMb: 1024,
    entry: 'functions/attach-message-media.ts',
    description: 'POST /messages/{messageId}/media: attaches an image, stored once per user by its SHA-256',
    tables: { messages: 'readWrite' },
    messageMedia: 'readWrite',
  },
  'create-media-upload': {
    ...api,
    entry: 'functions/create-media-upload.ts',
    description: 'POST /messages/{messageId}/media/uploads: a presigned POST for one image of up to 5 MB, past the API',
    tables: { messages: 'read' },
    mediaUploads: 'write',
  },
  'attach-uploaded-media': {
    // Ten images of up to 5 MB at a time, each read whole to be checked and hashed.
    memoryMb: 1024,
    timeoutSeconds: 30,
    entry: 'functions/attach-uploaded-media.ts',
    description: 'Media upload queue consumer: checks each image posted to S3 and attaches it as POST /messages/{messageId}/media does',
    tables: { messages: 'readWrite' },
    messageMedia: 'readWrite',
    mediaUploads: 'read',
    deletesMediaUploads: true,
  },
  'list-message-media': {
    ...api,
    entry: 'functions/list-message-media.ts',
    description: "GET /messages/{messageId}/media: a message's images with presigned links",
    tables: { messages: 'read' },
    messageMedia: 'read',
  },
  'get-metrics': {
    ...api,
    entry: 'functions/get-metrics.ts',
    description: "GET /metrics: the caller's message and notification figures, and every queue's depth",
    tables: { messages: 'read', notifications: 'read' },
    queueStats: true,
  },
  'create-notification': {
    ...api,
    entry: 'functions/create-notification.ts',
    description: 'POST /notifications: one message, now or scheduled',
    tables: { notifications: 'readWrite', state: 'readWrite', templates: 'read', files: 'read' },
    sendsTo: ['notification', 'priority'],
  },
  'get-notification': {
    ...api,
    entry: 'functions/get-notification.ts',
    description: 'GET /notifications/{notificationId}: one notification with its history',
    tables: { notifications: 'read' },
  },
  'cancel-notification': {
    ...api,
    entry: 'functions/cancel-notification.ts',
    description: 'DELETE /notifications/{notificationId}: cancels a scheduled or pending send',
    tables: { notifications: 'readWrite' },
  },
  'reschedule-notification': {
    ...api,
    entry: 'functions/reschedule-notification.ts',
    description: 'PATCH /notifications/{notificationId}: moves a scheduled send to another time',
    tables: { notifications: 'readWrite', state: 'read' },
    sendsTo: ['notification', 'priority'],
  },
  'sweep-scheduled-sends': {
    memoryMb: 256,
    timeoutSeconds: 60,
    entry: 'functions/sweep-scheduled-sends.ts',
    description: 'Scheduled: puts the timers of sends due within 15 minutes on the notification queue',
    tables: { notifications: 'readWrite' },
    sendsTo: ['notification', 'priority'],
  },
  'create-template': {
    ...api,
    entry: 'functions/create-template.ts',
    description: 'POST /templates',
    tables: { templates: 'readWrite' },
  },
  'list-templates': {
    ...api,
    entry: 'functions/list-templates.ts',
    description: 'GET /templates',
    tables: { templates: 'read' },
    pages: true,
  },
  'get-template': {
    ...api,
    entry: 'functions/get-template.ts',
    description: 'GET /templates/{templateId}',
    tables: { templates: 'read' },
  },
  'update-template': {
    ...api,
    entry: 'functions/update-template.ts',
    description: 'PATCH /templates/{templateId}',
    tables: { templates: 'readWrite' },
  },
  'delete-template': {
    ...api,
    entry: 'functions/delete-template.ts',
    description: 'DELETE /templates/{templateId}',
    tables: { templates: 'readWrite' },
    deletes: ['templates'],
  },
  'get-settings': {
    ...api,
    entry: 'functions/get-settings.ts',
    description: 'GET /settings: quiet hours, dedup window and opt-out line',
    tables: { state: 'read' },
  },
  'put-settings': {
    ...api,
    entry: 'functions/put-settings.ts',
    description: 'PUT /settings',
    tables: { state: 'readWrite' },
  },
  'create-notifications-batch': {
    ...api,
    // A hundred sends, each a handful of conditional writes, eight at a time.
    timeoutSeconds: 29,
    entry: 'functions/create-notifications-batch.ts',
    description: 'POST /notifications/batch: up to 100 sends, each with its own outcome',
    tables: { notifications: 'readWrite', state: 'readWrite', templates: 'read', files: 'read' },
    sendsTo: ['notification', 'priority'],
  },
  'get-opt-out': {
    ...api,
    entry: 'functions/get-opt-out.ts',
    description: 'GET /opt-outs/{phone}: whether a number opted out, with every change',
    tables: { state: 'read' },
  },
  'put-opt-out': {
    ...api,
    entry: 'functions/put-opt-out.ts',
    description: "PUT /opt-outs/{phone}: opts a number out on a user's word",
    tables: { state: 'readWrite', notifications: 'readWrite' },
  },
  'create-line': {
    ...api,
    entry: 'functions/create-line.ts',
    description: 'POST /lines: claims a Twilio number for a line and points its webhooks here',
    tables: { voice: 'readWrite' },
    deletes: ['voice'],
    sendsTo: ['voice'],
    twilio: true,
    configuresNumbers: true,
  },
  'list-lines': {
    ...api,
    entry: 'functions/list-lines.ts',
    description: 'GET /lines',
    tables: { voice: 'read' },
    pages: true,
  },
  'get-line': {
    ...api,
    entry: 'functions/get-line.ts',
    description: 'GET /lines/{lineId}',
    tables: { voice: 'read' },
  },
  'update-line': {
    ...api,
    entry: 'functions/update-line.ts',
    description: 'PATCH /lines/{lineId}',
    tables: { voice: 'readWrite' },
  },
  'delete-line': {
    ...api,
    entry: 'functions/delete-line.ts',
    description: 'DELETE /lines/{lineId}: deletes a line and frees its number',
    tables: { voice: 'readWrite' },
    deletes: ['voice'],
  },
  'twilio-voice': {
    ...api,
    entry: 'functions/twilio-voice.ts',
    description: "POST /twilio/voice[/dial-status|/recording|/status]: a line's calls, answered in TwiML",
    tables: { voice: 'readWrite' },
    sendsTo: ['voice'],
    twilio: true,
    webhook: true,
  },
  'voice-worker': {
    memoryMb: 512,
    timeoutSeconds: 30,
    entry: 'functions/voice-worker.ts',
    description: "Voice queue consumer: missed-call auto-replies, inbound texts into conversations, hand-off timers, adopting a new line's messages",
    tables: { voice: 'readWrite', notifications: 'readWrite', state: 'readWrite', templates: 'read', files: 'read', messages: 'readWrite' },
    deletes: ['messages'],
    sendsTo: ['notification', 'priority', 'voice'],
    messageMedia: 'readWrite',
    handoffs: true,
    publishes: ['handoff'],
  },
  'list-calls': {
    ...api,
    entry: 'functions/list-calls.ts',
    description: "GET /calls: a user's calls by line, status and caller, newest first",
    tables: { voice: 'read' },
    pages: true,
  },
  'get-call': {
    ...api,
    entry: 'functions/get-call.ts',
    description: 'GET /calls/{callId}',
    tables: { voice: 'read', notifications: 'read' },
  },
  'list-conversations': {
    ...api,
    entry: 'functions/list-conversations.ts',
    description: 'GET /conversations',
    tables: { voice: 'read' },
    pages: true,
  },
  'get-conversation': {
    ...api,
    entry: 'functions/get-conversation.ts',
    description: 'GET /conversations/{conversationId}: one conversation with its messages',
    tables: { voice: 'read', notifications: 'read' },
  },
  'reply-conversation': {
    ...api,
    entry: 'functions/reply-conversation.ts',
    description: "POST /conversations/{conversationId}/messages: the business replies from the line's number",
    tables: { voice: 'readWrite', notifications: 'readWrite', state: 'readWrite', templates: 'read', files: 'read' },
    sendsTo: ['notification', 'priority'],
  },
  'update-conversation': {
    ...api,
    entry: 'functions/update-conversation.ts',
    description: 'PATCH /conversations/{conversationId}: closes or reopens',
    tables: { voice: 'readWrite' },
    deletes: ['voice'],
  },
} as const satisfies Record<FunctionName, FunctionSpec>;

/**
 * A queue's visibility timeout: six times its consumer's timeout, as AWS advises for Lambda
 * event sources.
 */
export const visibilityTimeoutSeconds = (queue: QueueSpec): number => 6 * functions[queue.consumer].timeoutSeconds;
