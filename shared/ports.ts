import type { Channel } from './schemas/channels.ts';
import type { Rule, RuleFields } from './schemas/rule.schema.ts';
import type { NotificationStatus } from './domain/notification-status.ts';
import type { Template } from './domain/templates.ts';
import type { BusinessHours } from './domain/business-hours.ts';

/** A file as the API shows it, less the download link, which is made per request. */
export interface FileRecord {
  userId: string;
  fileId: string;
  fileName: string;
  fileType: string;
  contentType: string;
  sizeBytes: number;
  tags: string[];
  uploadedAt: string;
  objectKey: string;
  /** The stored object's ETag when the file was recorded: the content the record describes. */
  eTag?: string;
  /**
   * When an upload form reused within its lifetime replaced the object after the file was
   * recorded. The record keeps describing the first object; its download link is pinned to the
   * recorded ETag, so it never serves the replacing bytes.
   */
  replacedAt?: string;
}

/** What POST /uploads promised, kept until the object arrives. */
export interface PendingUpload {
  userId: string;
  fileId: string;
  fileName: string;
  contentType: string;
  declaredSize: number;
  tags: string[];
  objectKey: string;
  expiresAt: number;
}

export interface Page<T> {
  items: T[];
  /** DynamoDB's LastEvaluatedKey; the HTTP layer seals it into an opaque cursor. */
  lastKey?: Record<string, unknown>;
}

export interface PageRequest {
  limit: number;
  startKey?: Record<string, unknown>;
}

export interface FileRepository {
  putPendingUpload(upload: PendingUpload): Promise<void>;
  getPendingUpload(userId: string, fileId: string): Promise<PendingUpload | undefined>;
  /**
   * Writes the file once; a second call for the same file returns the first record unchanged.
   * With `index: false` the search index items are left to a later `indexFile`.
   */
  recordFile(file: FileRecord, opts?: { index?: boolean }): Promise<FileRecord>;
  /** Writes (or rewrites) the file's search index items; idempotent. */
  indexFile(file: FileRecord): Promise<void>;
  getFile(userId: string, fileId: string): Promise<FileRecord | undefined>;
  /**
   * Marks a recorded file's object as replaced (once; the first mark stays) and rewrites its index
   * items with the mark; nothing else of the record changes. Returns the record as stored.
   */
  markReplaced(file: FileRecord, replacedAt: string): Promise<FileRecord>;
}

/** What GET /files filters on; every field is optional and all of them combine. */
export interface FileFilter {
  /** A prefix of the file name, compared case-insensitively. */
  name?: string;
  /** One exact tag. */
  tag?: string;
  /** The file type (lower-case extension). */
  type?: string;
  /** Inclusive bounds on `uploadedAt`, in `toISOString` form. */
  from?: string;
  to?: string;
}

export interface FileSearch {
  /**
   * The user's files that pass every filter, newest upload first. A page may hold fewer than
   * `limit` files when a filter is narrowed on the items read; only a missing `lastKey` ends the list.
   */
  search(userId: string, filter: FileFilter, page: PageRequest): Promise<Page<FileRecord>>;
}

export interface RuleRepository {
  /** Stores the rule unless the user already has `maxRules` (exactly, even when creates race); false then. */
  create(userId: string, rule: Rule, maxRules?: number): Promise<boolean>;
  get(userId: string, ruleId: string): Promise<Rule | undefined>;
  list(userId: string, page: PageRequest): Promise<Page<Rule>>;
  /** How many rules the user has; counts keys only. */
  count(userId: string): Promise<number>;
  /** Every rule of one user, read through the partition key alone. */
  listAll(userId: string): Promise<Rule[]>;
  /** Replaces the rule if it still has the `updatedAt` it was read with; false when it changed or vanished. */
  replace(userId: string, rule: Rule, expectedUpdatedAt: string): Promise<boolean>;
  /** False when there was no such rule. */
  delete(userId: string, ruleId: string): Promise<boolean>;
}

export interface StatusChange {
  status: NotificationStatus;
  at: string;
  errorCode?: string;
}

/** Where a notification came from: a rule matching an upload, a call to POST /notifications, or a line's calls and conversations. */
export type NotificationSource = 'rule' | 'api' | 'missed-call' | 'conversation';

export interface NotificationRecord {
  userId: string;
  notificationId: string;
  /** Absent on notifications stored before sources existed, which all came from rules. */
  source?: NotificationSource;
  /** Rule notifications only. */
  fileId?: string;
  ruleId?: string;
  channel: Channel;
  target: string;
  /** The number it is sent from, when not the deployment's own (a line's number). */
  from?: string;
  status: NotificationStatus;
  messageSid?: string;
  errorCode?: string;
  errorMessage?: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  history: StatusChange[];
  /** The rule's template at match time, rendered when the message is sent. */
  messageTemplate?: string;
  /** The uploaded file a rule notification announces; absent on API sends. */
  file?: Pick<FileRecord, 'fileName' | 'fileType' | 'contentType' | 'sizeBytes' | 'tags' | 'uploadedAt' | 'objectKey'>;
  /** API sends: the text as rendered at request time (opt-out line included), sent as is. */
  body?: string;
  templateId?: string;
  /** 0..10; 10 is urgent. */
  priority?: number;
  /** When a scheduled send goes out (ISO), as asked or as quiet hours moved it. */
  sendAt?: string;
  /**
   * API sends: when the send is due (ISO; its creation time when sent at once). A queue message
   * carries the `dueAt` it was set for, and a scheduled send goes out only at its current one.
   */
  dueAt?: string;
  metadata?: Record<string, unknown>;
  /** The body ends with the opt-out line; sending it records the recipient as told how to opt out. */
  optOutLine?: boolean;
  /** Rule notifications: the opt-out line added to the text rendered at send, when it fits and says nothing of STOP. */
  optOutFooter?: string;
  /** API sends: the recipient's time zone as the request gave it, for quiet hours. */
  timezone?: string;
  /** MMS images of an API send: the user's uploaded files. */
  media?: Array<{ objectKey: string; fileName: string }>;
  /** Epoch ms until which a sender holds the right to send; absent when nobody does. */
  claimExpiresAt?: number;
  /** Set when the message was sent: GSM-7 or UCS-2, and how many segments it was billed as. */
  encoding?: string;
  segments?: number;
}

export interface StatusUpdate {
  status: NotificationStatus;
  at: string;
  messageSid?: string;
  errorCode?: string;
  errorMessage?: string;
  /** The sent text's encoding and segment count, which decide what it costs. */
  size?: { encoding: string; segments: number };
}

export interface NotificationRepository {
  /** Writes the notification unless it exists; either way returns the stored one. */
  createIfAbsent(notification: NotificationRecord): Promise<NotificationRecord>;
  get(userId: string, notificationId: string): Promise<NotificationRecord | undefined>;
  /**
   * Takes the right to send a pending notification until `leaseUntil` (epoch ms), counting an
   * attempt. Undefined when it is no longer pending or another sender holds an unexpired claim.
   */
  claim(userId: string, notificationId: string, now: number, leaseUntil: number): Promise<NotificationRecord | undefined>;
  /** Gives back a claim that never reached a send (the message waits its turn), uncounting its attempt. */
  unclaim(userId: string, notificationId: string, leaseUntil: number): Promise<void>;
  /** Gives a claim back after a send that may be retried. */
  release(userId: string, notificationId: string, lastError: { errorCode?: string; errorMessage?: string }): Promise<void>;
  /** Moves the status forward only; false when the change would not be forward (stale or duplicate). */
  advance(userId: string, notificationId: string, update: StatusUpdate): Promise<boolean>;
  /** Stores the SID Twilio gave, whatever the status has become meanwhile. */
  recordMessageSid(userId: string, notificationId: string, messageSid: string, size?: StatusUpdate['size']): Promise<void>;
  findByMessageSid(messageSid: string): Promise<{ userId: string; notificationId: string } | undefined>;
  list(userId: string, filter: { fileId?: string; status?: NotificationStatus }, page: PageRequest): Promise<Page<NotificationRecord>>;
  listForFile(userId: string, fileId: string): Promise<NotificationRecord[]>;
}

/** What GET /notifications filters on; every field combines with the others. */
export interface NotificationFilter {
  fileId?: string;
  status?: NotificationStatus;
  source?: NotificationSource;
  /** The recipient (E.164 or email address). */
  to?: string;
}

/** The life of an API send before it reaches the sender: timers, cancel and reschedule. */
export interface ScheduledSends {
  /**
   * Moves a scheduled notification to pending if it is still due at `dueAt`; false when it was
   * canceled, rescheduled or already promoted.
   */
  promote(userId: string, notificationId: string, dueAt: string, at: string): Promise<boolean>;
  /**
   * `promote` and `claim` in one conditional write: the notification, pending and held by this
   * sender until `leaseUntil`, or undefined when it was not scheduled at `dueAt`.
   */
  promoteAndClaim(userId: string, notificationId: string, dueAt: string, at: string, leaseUntil: number): Promise<NotificationRecord | undefined>;
  /**
   * Ends a scheduled or pending notification as `canceled`, unless a sender holds a live claim on
   * it; false otherwise. A sender claims only pending notifications, so the two never both win.
   */
  cancel(userId: string, notificationId: string, at: string, now: number): Promise<boolean>;
  /**
   * Moves a still-scheduled notification to a new time (back among the due items); false when no
   * longer scheduled, or when `dueAt` is given and the notification is no longer due then.
   */
  reschedule(userId: string, notificationId: string, sendAt: string, at: string, dueAt?: string): Promise<boolean>;
  /** API sends whose timer is not yet on the queue and that are due at or before `until`, soonest first. */
  listDue(shard: number, until: string, page: PageRequest): Promise<Page<NotificationRecord>>;
  readonly dueShards: number;
  /** Takes a notification out of the due items once its timer is on the queue, if still due at `dueAt`. */
  timerSet(userId: string, notificationId: string, dueAt: string): Promise<void>;
}

/**
 * A place in a user's notification feed, in creation order: every notification with
 * (`createdAt`, `notificationId`) up to (`at`, `notificationId`) has been handed out, or, without
 * `notificationId`, every one created at or before `at`.
 */
export interface FeedPosition {
  at: string;
  notificationId?: string;
}

/** A user's notifications in the order they were created. */
export interface NotificationFeed {
  /** Those after `after` and created at or before `until`, oldest first, at most `limit`. */
  readAfter(userId: string, after: FeedPosition, until: string, limit: number): Promise<NotificationRecord[]>;
}

export interface OptOut {
  /** E.164 number that asked not to be messaged. */
  phone: string;
  /** What put it on the list: an inbound STOP-type keyword, Twilio's 21610 on a send, or a user through the API. */
  source: OptOutSource;
  at: string;
}

export type OptOutSource = 'keyword' | 'twilio-21610' | 'api';

/** One change of a number's consent, kept forever. */
export interface OptOutChange {
  action: 'opt_out' | 'opt_in';
  source: OptOutSource;
  at: string;
}

/** Recipients who opted out of messages from this deployment's sender. */
export interface OptOutRepository {
  get(phone: string): Promise<OptOut | undefined>;
  /** Records the opt-out; repeating it, or one dated before the latest opt-in, changes nothing. */
  add(optOut: OptOut): Promise<void>;
  /** False when the number was not opted out, or was opted out after `at`; an opt-in goes into the history. */
  remove(phone: string, change?: { source: OptOutSource; at: string }): Promise<boolean>;
  /** Every opt-out and opt-in of the number, oldest first. */
  history(phone: string): Promise<OptOutChange[]>;
}

/** What the rate limiter answers a sender: send now, or come back at `until`, holding `slot` if it has one. */
export type Pace = { kind: 'send' } | { kind: 'wait'; until: number; slot?: number };

/** Paces sends to the account's messages-per-second, shared by every concurrent sender. */
export interface RateLimiter {
  /**
   * A message's turn, asked before it is claimed: a new one behind a booked backlog books the
   * next slot after it and waits; any other goes on, and so does a priority send, which takes
   * the gate's next openings ahead of the backlog. A message that waited brings the `slot`
   * it was given, and goes on.
   */
  turn(now: number, slot?: number, priority?: boolean): Promise<Pace>;
  /**
   * Asked right before the send: `send` when the rate admits it at once (booked messages
   * first); otherwise `wait`, with when to come back and the slot it now holds.
   */
  acquire(now: number, slot?: number, priority?: boolean): Promise<Pace>;
}

/** Stops calling Twilio for a cool-down after it has failed continuously. */
export interface CircuitBreaker {
  /** 0 when sends may go, else the milliseconds until the circuit closes again. */
  openFor(now: number): Promise<number>;
  recordFailure(now: number): Promise<void>;
  recordSuccess(): Promise<void>;
}

/** A notification handed to the sender; `dueAt` names the schedule the message is for. */
export interface NotificationRef {
  userId: string;
  notificationId: string;
  dueAt?: string;
  /** Seconds the queue keeps the message hidden (0..900), for sends due soon. */
  delaySeconds?: number;
  /** Priority 5 and above travel the priority lane. */
  priority?: number;
}

export interface NotificationQueue {
  /** Enqueues every reference, in batches; throws if any could not be enqueued. */
  enqueue(refs: NotificationRef[]): Promise<void>;
}

export interface StoredObject {
  sizeBytes: number;
  contentType: string;
  /** Without quotes, as S3 events carry it. */
  eTag?: string;
}

export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

/** Signs the browser's upload straight to the bucket. */
export interface UploadSigner {
  presignUpload(input: { key: string; contentType: string; maxBytes: number; expiresInSeconds: number }): Promise<PresignedUpload>;
}

export interface FileStore {
  /** With `ifMatch`, the link serves the object only while its ETag is that one (S3 refuses it otherwise). */
  presignDownload(key: string, fileName: string, expiresInSeconds: number, ifMatch?: string): Promise<string>;
  /** Undefined when there is no such object. */
  head(key: string): Promise<StoredObject | undefined>;
}

export interface OutboundMessage {
  to: string;
  /** The sending number, when not the deployment's own. */
  from?: string;
  body: string;
  mediaUrls: string[];
  statusCallback: string;
}

export type SendOutcome =
  | { kind: 'accepted'; messageSid: string; status: string }
  /** Twilio refused and will refuse again: don't retry. */
  | { kind: 'rejected'; errorCode: string; errorMessage: string }
  /** Worth another try later: throttling, a server error, a network failure. */
  | { kind: 'retryable'; errorCode: string; errorMessage: string };

export interface MessageGateway {
  send(message: OutboundMessage): Promise<SendOutcome>;
  /**
   * SIDs of the messages Twilio holds to `to` with exactly `body`, created at or after `since`,
   * oldest first: how a retry finds a send whose answer was lost. Throws when Twilio cannot be asked.
   */
  findSent(query: { to: string; body: string; since: Date }): Promise<string[]>;
}

export interface OutboundEmail {
  to: string;
  subject: string;
  body: string;
  /** Carried through to the email service's events, to find the notification again. */
  customArgs: Record<string, string>;
}

/** Email through SendGrid's v3 mail-send API (Twilio's email service); `messageSid` is its message id. */
export interface EmailGateway {
  send(email: OutboundEmail): Promise<SendOutcome>;
}

/** Twilio's current view of one message, from its Messages REST API. */
export interface MessageStatusReport {
  messageSid: string;
  /** Twilio's MessageStatus, as a status callback would carry it. */
  status: string;
  errorCode?: string;
}

/** Reads a message's status from Twilio, for notifications whose callbacks never came. */
export interface MessageStatusSource {
  /** Undefined when Twilio has no such message; throws when Twilio cannot be asked now. */
  fetchStatus(messageSid: string): Promise<MessageStatusReport | undefined>;
}

/** The upkeep the notification log needs besides the sending path: opt-outs and reconciliation. */
export interface NotificationMaintenance {
  /** How many partitions `listOpen` spreads open notifications over. */
  readonly openShards: number;
  /** Pending notifications to one recipient, through a key condition, never a scan. */
  listPendingTo(target: string, page: PageRequest): Promise<Page<NotificationRecord>>;
  /**
   * Ends a pending notification that no sender holds as `suppressed`; false when it is no longer
   * pending or a sender's claim on it is still live (that sender checks the opt-out list itself).
   */
  suppressPending(userId: string, notificationId: string, update: StatusUpdate, now: number): Promise<boolean>;
  /** Notifications in `queued`, `sending` or `sent` whose status last changed within [from, to], one shard at a time. */
  listOpen(shard: number, changed: { from: string; to: string }, page: PageRequest): Promise<Page<NotificationRecord>>;
}

/** A Twilio status callback, as the webhook received it (the status-callback queue's body). */
export type StatusCallback = import('./schemas/status-callback.schema.ts').StatusCallback;

/** Where the webhook keeps callbacks it could not apply in time, for a consumer to apply later. */
export interface StatusCallbackQueue {
  /** Throws when the callback could not be queued. */
  enqueue(callback: StatusCallback): Promise<void>;
}

export interface InboundMedia {
  /** Twilio's URL for the item, as the webhook named it. */
  url: string;
  contentType: string;
  /** Hex SHA-256 of the bytes, when the item was copied into the bucket. */
  sha256?: string;
  /** Object key of the copy. */
  key?: string;
  sizeBytes?: number;
  /** Why the item was not copied: not an image, too large, unreachable. */
  skipped?: string;
}

/** One SMS, MMS or WhatsApp message a recipient sent to this deployment's number. */
export interface InboundMessage {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  media: InboundMedia[];
  receivedAt: string;
}

export interface InboundMessageRepository {
  get(from: string, messageSid: string): Promise<InboundMessage | undefined>;
  /** Stores the message once; false when one with its SID is already stored. */
  recordIfAbsent(message: InboundMessage): Promise<boolean>;
}

export type MediaDownload = { kind: 'downloaded'; bytes: Uint8Array; contentType: string } | { kind: 'refused'; reason: string };

/** Fetches a media item Twilio holds, refusing what is not an image, too large, or too slow. */
export interface MediaSource {
  download(url: string): Promise<MediaDownload>;
}

export interface MediaStore {
  /** Stores the bytes under `key` unless an object is already there; true when it wrote. */
  putIfAbsent(key: string, bytes: Uint8Array, contentType: string): Promise<boolean>;
}

/** Images posted straight to the bucket with a presigned form, waiting to be attached. */
export interface UploadedMediaStore {
  /** The object's bytes; undefined when it is gone (handled already). */
  read(key: string): Promise<Uint8Array | undefined>;
  delete(key: string): Promise<void>;
}

/** A user's sending preferences (PUT /settings). */
export interface UserSettings {
  quietHours: { start: string; end: string; timezone: string } | null;
  dedupWindowSeconds: number;
  /** Appended to the first message to each recipient; null sends none. */
  optOutFooter: string | null;
}

export interface SettingsRepository {
  /** Undefined when the user never saved any. */
  get(userId: string): Promise<UserSettings | undefined>;
  put(userId: string, settings: UserSettings): Promise<void>;
}

export type GuardScope = 'idempotency' | 'dedup';

/** A guard already held: the notification it names and when it was taken (epoch ms). */
export interface HeldGuard {
  notificationId: string;
  takenAt: number;
}

/**
 * Single-item conditional writes that make the send API's promises atomic without transactions:
 * an idempotency key or a (to, body) fingerprint is held by one notification until it expires.
 */
export interface SendGuards {
  /** Takes `key` in `scope` for `notificationId` until `expiresAt`; the holder when another one holds it. */
  take(scope: GuardScope, userId: string, key: string, notificationId: string, now: number, expiresAt: number): Promise<HeldGuard | undefined>;
  /** Hands a held guard to `notificationId`; false when it changed meanwhile. */
  replace(scope: GuardScope, userId: string, key: string, held: HeldGuard, notificationId: string, now: number, expiresAt: number): Promise<boolean>;
  /** Whether the user has messaged `to` before. */
  hasContacted(userId: string, to: string): Promise<boolean>;
  /** Records that the user has messaged `to`. */
  recordContact(userId: string, to: string, at: string): Promise<void>;
}

/** A user's message templates; a name belongs to one template of the user's at a time. */
export interface TemplateRepository {
  get(userId: string, templateId: string): Promise<Template | undefined>;
  list(userId: string, page: PageRequest): Promise<Page<Template>>;
  /** False when the user already has a template of that name (compared case-insensitively). */
  create(userId: string, template: Template): Promise<boolean>;
  /** Replaces the template if it still has `expectedUpdatedAt`; 'conflict' when it changed, 'name-taken' when the new name is another's. */
  replace(userId: string, template: Template, previous: Template): Promise<'ok' | 'conflict' | 'name-taken'>;
  delete(userId: string, templateId: string): Promise<boolean>;
}

export type { Channel, Rule, RuleFields };

/** Where a stored message came from: POST /messages, or Twilio's inbound webhook. */
export type MessageSource = 'api' | 'twilio';
export type MessageStatus = 'received' | 'stored' | 'processed';

/** An image attached to a message, as the message carries it (the link is made per request). */
export interface MessageMedia {
  /** Hex SHA-256 of the bytes. */
  mediaId: string;
  contentType: string;
  sizeBytes: number;
}

/** One message in the message store. */
export interface MessageRecord {
  /** `user#<sub>`, or `unclaimed#<To>` for an inbound message no line has claimed. */
  owner: string;
  messageId: string;
  from: string;
  to: string;
  message: string;
  receivedAt: string;
  status: MessageStatus;
  source: MessageSource;
  processedAt?: string;
  /** Milliseconds from `receivedAt` to `processedAt`. */
  processingMs?: number;
  media: MessageMedia[];
  /** Twilio's MessageSid, for inbound messages. */
  messageSid?: string;
}

/** GET /messages filters; any combination, each served by a key condition. */
export interface MessageFilter {
  from?: string;
  to?: string;
  status?: MessageStatus;
}

export interface MessageRepository {
  /** Writes the message unless it exists; false when it was already there. */
  putIfAbsent(message: MessageRecord): Promise<boolean>;
  get(owner: string, messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Moves the message forward to `stored`, writing the whole message if it is absent (the queue
   * carries it); false when it was already `stored` or later.
   */
  markStored(message: MessageRecord): Promise<boolean>;
  /**
   * Moves the message to `processed` unless it is already; false when it was. The message is
   * marked as not yet counted in the running totals until `markCounted`.
   */
  markProcessed(message: MessageRecord, processedAt: string, processingMs: number): Promise<boolean>;
  /** The processing time of a processed message the running totals do not hold yet; undefined otherwise. */
  uncountedProcessingMs(owner: string, messageId: string): Promise<number | undefined>;
  markCounted(owner: string, messageId: string): Promise<void>;
  /** The owner's messages passing the filter, newest first, skipping `offset` after `startKey`. */
  list(owner: string, filter: MessageFilter, page: PageRequest & { offset: number }): Promise<Page<MessageRecord>>;
  /** Adds the image to the message unless it carries it already; false when it did, or the message is gone. */
  attachMedia(owner: string, messageId: string, media: MessageMedia): Promise<boolean>;
}

/** A stored image: one per owner and content. */
export interface MediaRecord extends MessageMedia {
  owner: string;
  objectKey: string;
  createdAt: string;
}

export interface MediaRepository {
  getMedia(owner: string, mediaId: string): Promise<MediaRecord | undefined>;
  /** Records the image unless a record for its content exists; false when one did. */
  putMediaIfAbsent(media: MediaRecord): Promise<boolean>;
}

/** Running totals of processed messages per owner, so averages never read every message. */
export interface MessageStats {
  addProcessed(owner: string, processingMs: number): Promise<void>;
  totals(owner: string): Promise<{ processed: number; processingMsTotal: number }>;
}

/** What admission answers a message: accepted, a duplicate of an accepted one, or over the sender's limit. */
export type Admission = { kind: 'admitted' } | { kind: 'duplicate'; messageId: string } | { kind: 'limited'; retryAfterMs: number };

export interface AdmissionRules {
  /** Accepted messages per sender in any window of `windowMs`. */
  limit: number;
  windowMs: number;
  /** How long an accepted message's (to, message) makes repeats duplicates. */
  dedupMs: number;
}

/**
 * Decides, atomically across concurrent callers, which messages may be accepted: one state per
 * sender holds both its sliding window and the dedup entries of its recent accepted messages,
 * so the two checks and the slot they grant are one conditional write.
 */
export interface MessageAdmission {
  /** A live dedup entry for `dedupKey` makes the message a duplicate; a full window, limited; else it takes a slot and the entry. */
  admit(request: { sender: string; dedupKey: string; messageId: string; now: number }, rules: AdmissionRules): Promise<Admission>;
  /** Gives back the slot and dedup entry `messageId` took, when it could not be accepted after all. */
  release(sender: string, messageId: string): Promise<void>;
}

export interface MessageIngestQueue {
  /** Queues the message for processing; throws when it could not be queued. */
  enqueue(message: ReceivedMessage): Promise<void>;
}

/** A queue's depth as SQS reports it. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface QueueStatsSource {
  /** Depth of every named queue. */
  depths(): Promise<Record<string, QueueDepth>>;
}

/** Counts of a user's notifications for GET /metrics, through the status index, never a scan. */
export interface NotificationCounts {
  /** Notifications in `status` whose upload happened at or after `since` (epoch ms), or at any time. */
  count(userId: string, status: NotificationStatus, since?: number): Promise<number>;
}

/** A business line (POST /lines): the Twilio number callers dial and what happens to their calls. */
export interface LineRecord {
  userId: string;
  lineId: string;
  number: string;
  forwardTo: string;
  businessName?: string;
  ringSeconds: number;
  missedCallReply: string;
  voicemail: boolean;
  businessHours?: BusinessHours;
  replyWindowHours: number;
  handoffUrl?: string;
  /** Twilio's SID of the number (PN…), as IncomingPhoneNumbers named it. */
  numberSid?: string;
  createdAt: string;
  updatedAt: string;
}

/** Which line holds a number: the webhooks know only the number dialled. */
export interface NumberClaim {
  number: string;
  userId: string;
  lineId: string;
}

export interface LineRepository {
  /** Takes the number for the line; false when another line holds it. */
  claimNumber(claim: NumberClaim, at: string): Promise<boolean>;
  /** Gives the number back, if this line still holds it. */
  releaseNumber(claim: NumberClaim): Promise<void>;
  claimOf(number: string): Promise<NumberClaim | undefined>;
  create(line: LineRecord): Promise<void>;
  get(userId: string, lineId: string): Promise<LineRecord | undefined>;
  list(userId: string, page: PageRequest): Promise<Page<LineRecord>>;
  /** Replaces the line if it still has `expectedUpdatedAt`; false when it changed or vanished. */
  replace(line: LineRecord, expectedUpdatedAt: string): Promise<boolean>;
  delete(userId: string, lineId: string): Promise<boolean>;
}

/** The URLs a number's Twilio configuration points at. */
export interface NumberWebhooks {
  voiceUrl: string;
  voiceStatusCallback: string;
  smsUrl: string;
}

/** The numbers of the Twilio account (IncomingPhoneNumbers): which it owns, and where their webhooks go. */
export interface PhoneNumberRegistry {
  /** The account's number, or undefined when the account does not own it. */
  find(number: string): Promise<{ sid: string; number: string } | undefined>;
  /** Points the number's voice and messaging webhooks at this deployment. */
  pointAt(sid: string, webhooks: NumberWebhooks): Promise<void>;
}

export type CallStatus = 'ringing' | 'answered' | 'missed' | 'voicemail' | 'failed';

/** One inbound call to a line (GET /calls), keyed by Twilio's CallSid. */
export interface CallRecord {
  callId: string;
  userId: string;
  lineId: string;
  from: string;
  to: string;
  status: CallStatus;
  dialStatus?: string;
  /** Why the call was not put through: outside business hours. */
  afterHours?: boolean;
  durationSeconds?: number;
  recordingUrl?: string;
  recordingSeconds?: number;
  autoReply?: { notificationId: string; status: string };
  /** Why no auto-reply went: the caller opted out, got one within the line's reply window, or withheld their number. */
  autoReplySkipped?: 'opted-out' | 'reply-window' | 'no-caller-id';
  conversationId?: string;
  startedAt: string;
  endedAt?: string;
}

export interface CallFilter {
  lineId?: string;
  status?: CallStatus;
  from?: string;
}

/** A call after a conditional change: `changed` when this change was the one that applied. */
export interface CallChange {
  call: CallRecord;
  changed: boolean;
}

export interface CallRepository {
  /** Records the call unless it is known; either way returns the stored one. */
  startIfAbsent(call: CallRecord): Promise<CallRecord>;
  get(callId: string): Promise<CallRecord | undefined>;
  /** Settles a ringing call as answered, missed or failed; the call as it stands after, unchanged when settled already; undefined for an unknown call. */
  settle(callId: string, update: { status: CallStatus; dialStatus?: string }): Promise<CallChange | undefined>;
  /** Stores the voicemail; a missed call becomes `voicemail`. An unknown call is left alone. */
  recordVoicemail(callId: string, recording: { url: string; seconds: number }): Promise<void>;
  /**
   * Stores the end of the call once; a call still ringing at its end becomes `ringingBecomes`.
   * The call as it stands after (unchanged when it had ended already); undefined for an unknown call.
   */
  finish(callId: string, end: { endedAt: string; durationSeconds?: number; ringingBecomes: CallStatus }): Promise<CallChange | undefined>;
  recordAutoReply(callId: string, outcome: Pick<CallRecord, 'autoReply' | 'autoReplySkipped' | 'conversationId'>): Promise<void>;
  /** The user's calls passing the filter, newest first; a page may hold fewer than `limit`. */
  list(userId: string, filter: CallFilter, page: PageRequest): Promise<Page<CallRecord>>;
}

/**
 * Holds a line's auto-reply to one caller for the reply window, by one conditional write: the
 * call that holds it may take it again (a retry), another call only once it has expired.
 */
export interface AutoReplyGuard {
  take(lineId: string, caller: string, callId: string, now: number, expiresAt: number): Promise<boolean>;
}

export type ConversationStatus = 'open' | 'closed';

export interface ConversationRecord {
  conversationId: string;
  userId: string;
  lineId: string;
  customer: string;
  status: ConversationStatus;
  needsAttention: boolean;
  lastMessageAt: string;
  createdAt: string;
  /** The first customer message since the business last replied (ISO); absent when nothing waits. */
  awaitingReplySince?: string;
  /** The `awaitingReplySince` a hand-off was raised for, and the one whose event was delivered. */
  handoffFor?: string;
  handoffSentFor?: string;
  /** The `awaitingReplySince` whose hand-off event went to the event bus. */
  handoffPublishedFor?: string;
}

export interface ConversationMessage {
  /** Sorts the conversation's messages in time: a ULID. */
  messageId: string;
  direction: 'inbound' | 'outbound';
  body: string;
  at: string;
  notificationId?: string;
  messageSid?: string;
}

export interface ConversationRepository {
  /** The open conversation between the line and the customer, opening one (with `conversationId`) when there is none. */
  openFor(input: { userId: string; lineId: string; customer: string; conversationId: string; at: string }): Promise<ConversationRecord>;
  /** The open conversation between the line and the customer, if any. */
  findOpen(lineId: string, customer: string): Promise<ConversationRecord | undefined>;
  get(conversationId: string): Promise<ConversationRecord | undefined>;
  /** Adds the message unless one with its id is there; false when it was. */
  addMessage(conversationId: string, message: ConversationMessage): Promise<boolean>;
  messages(conversationId: string): Promise<ConversationMessage[]>;
  /** A customer message arrived: it waits for a reply from `at` unless an earlier one waits already. */
  markInbound(conversationId: string, at: string): Promise<void>;
  /** The business replied: nothing waits, nobody needs to take over. */
  markReplied(conversationId: string, at: string): Promise<void>;
  /**
   * Raises the hand-off for the message waiting since `since`, once: true for the timer that
   * raised it (`timerId`, again on its redeliveries); false when answered meanwhile or raised by another timer.
   */
  raiseHandoff(conversationId: string, since: string, timerId: string): Promise<boolean>;
  /** Records that the hand-off event for `since` was delivered. */
  markHandoffSent(conversationId: string, since: string): Promise<void>;
  /** Records that the hand-off event for `since` went to the event bus. */
  markHandoffPublished(conversationId: string, since: string): Promise<void>;
  /** Closes or reopens; false when reopening would make a second open conversation with the customer. */
  setStatus(conversation: ConversationRecord, status: ConversationStatus): Promise<boolean>;
  list(userId: string, filter: { lineId?: string; status?: ConversationStatus }, page: PageRequest): Promise<Page<ConversationRecord>>;
}

/** Work the voice webhooks hand to the voice worker, and the hand-off timers it sets itself (the voice queue's body). */
export type VoiceTask = import('./schemas/voice-task.schema.ts').VoiceTask;

export interface VoiceTaskQueue {
  /** Throws when it could not be queued. */
  enqueue(task: VoiceTask, delaySeconds?: number): Promise<void>;
}

/** An HMAC-signed POST of a hand-off event to a line's `handoffUrl`. */
export interface HandoffNotifier {
  /** Throws when the receiver did not take it (a non-2xx answer, a network failure). */
  deliver(url: string, event: Record<string, unknown>): Promise<void>;
}

/** Inbound messages kept for a number before any line claimed it (`unclaimed#<To>`). */
export interface UnclaimedMessages {
  /** The number's unclaimed messages, a page at a time. */
  list(number: string, page: PageRequest): Promise<Page<MessageRecord>>;
  /** Removes the unclaimed copy once the owner's copy is written. */
  remove(message: MessageRecord): Promise<void>;
}

/** Copies stored objects within the bucket. */
export interface ObjectCopier {
  /** Copies `from` to `to` unless `to` exists; nothing when `from` is missing. */
  copyIfAbsent(from: string, to: string): Promise<void>;
}

/** Each user's share of the API: a token bucket per user, refilled at a steady rate. */
export interface UserRateLimiter {
  /** Takes one request from the user's bucket, or says in how many seconds one will be there. */
  admit(userId: string): Promise<{ admitted: true } | { admitted: false; retryAfterSeconds: number }>;
}

/** A cap on one user's long polls at once, so one client cannot hold the account's concurrency. */
export interface LongPollSlots {
  /** A slot held for at most `leaseMs`, or undefined when the user holds every slot. */
  acquire(userId: string, leaseMs: number): Promise<number | undefined>;
  release(userId: string, slot: number): Promise<void>;
}

/** A message as the ingest queue carries it: received, not yet processed. */
export type ReceivedMessage = MessageRecord & { status: 'received' };

/** Publishes an event on the deployment's event bus, for any subscriber (see `busEvents` in the topology). */
export interface EventPublisher {
  /** Throws when the event could not be handed over. */
  publish(event: Record<string, unknown>): Promise<void>;
}
