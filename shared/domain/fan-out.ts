import { mapLimit } from './map-limit.ts';
import type {
  FileRecord,
  FileRepository,
  FileStore,
  NotificationQueue,
  NotificationRecord,
  NotificationRepository,
  RuleRepository,
  ScheduledSends,
  SendGuards,
  SettingsRepository,
  TemplateRepository,
} from '../ports.ts';
import { GiveUpError } from '../errors.ts';
import { quietHoursEnd } from './quiet-hours.ts';
import { fileTypeOf } from './file-type.ts';
import { parseObjectKey } from './files.ts';
import { notificationIdFor } from './ids.ts';
import { matchWithinBudget } from './rule-matching.ts';
import { settingsOf, TIMER_HORIZON_MS } from './settings.ts';

export interface FanOutDeps {
  files: FileRepository;
  rules: RuleRepository;
  notifications: NotificationRepository & Pick<ScheduledSends, 'timerSet'>;
  queue: NotificationQueue;
  store: FileStore;
  /** Templates that rules name by `templateId`; their body is taken at match time. */
  templates?: TemplateRepository;
  /** The owner's quiet hours, which hold rule notifications too. */
  settings?: SettingsRepository;
  /** Who has been told how to opt out: the first text to a recipient carries the owner's opt-out line. */
  contacts?: Pick<SendGuards, 'hasContacted'>;
}

export interface StoredObjectEvent {
  key: string;
  eventTime: string;
  /** The stored object's ETag as the event names it (without quotes); absent from older journals. */
  eTag?: string;
}

/** An object the system cannot account for; retrying will not help, so it goes to the DLQ at once. */
export class UnknownUploadError extends GiveUpError {
  constructor(message: string) {
    super(message, { status: 'unknown_upload', attempts: 1 });
    this.name = 'UnknownUploadError';
  }
}

const FAN_OUT_CONCURRENCY = 16;

/**
 * Handles one stored object: records its FileMetadata from the object itself, matches the
 * owner's rules and enqueues one notification per match. Every step is idempotent — the file
 * and each notification are conditional writes on ids derived from the upload — so a
 * redelivered event, or one retried after a crash halfway, yields the same notifications.
 * Notifications still pending are enqueued again; the sender's claim keeps that from doubling sends.
 */
export async function recordUploadAndFanOut(deps: FanOutDeps, event: StoredObjectEvent, now: () => Date = () => new Date()) {
  const owner = parseObjectKey(event.key);
  if (!owner) throw new UnknownUploadError(`Object key ${event.key} was not made by POST /uploads.`);
  const file = await recordFile(deps, owner.userId, owner.fileId, event);
  if (!file) return { fileId: owner.fileId, matched: 0, enqueued: 0 };
  // The event of a replacing object: the record, its notifications and its index stay as they were.
  if (replacesRecorded(file, event)) return { fileId: owner.fileId, matched: 0, enqueued: 0, replaced: true };

  const rules = await deps.rules.listAll(file.userId);
  // Within the upload's matching budget: rules whose pattern did not run in time are counted, not matched.
  const { matched: matches, unchecked } = matchWithinBudget(rules, { eventType: 'file_upload', ...file });
  const createdAt = now().toISOString();
  const named = await templateBodies(deps.templates, file.userId, matches);
  const settings = matches.length > 0 && deps.settings ? await settingsOf(deps.settings, file.userId) : undefined;
  // Inside the owner's quiet hours, the notifications wait as scheduled until the window ends.
  const heldUntil = settings?.quietHours ? quietHoursEnd(now().getTime(), settings.quietHours) : undefined;
  const footerFor = optOutLines(deps.contacts, file.userId, settings?.optOutFooter ?? null);
  const status = heldUntil !== undefined ? 'scheduled' : 'pending';
  const held = heldUntil !== undefined ? { sendAt: new Date(heldUntil).toISOString(), dueAt: new Date(heldUntil).toISOString() } : {};
  const stored = await mapLimit(matches, FAN_OUT_CONCURRENCY, async (rule) => {
    const messageTemplate = rule.templateId ? named.get(rule.templateId) : rule.messageTemplate;
    const optOutFooter = rule.notifyVia === 'email' ? undefined : await footerFor(rule.target);
    return deps.notifications.createIfAbsent({
      userId: file.userId,
      notificationId: notificationIdFor(file.fileId, rule.ruleId),
      source: 'rule',
      fileId: file.fileId,
      ruleId: rule.ruleId,
      channel: rule.notifyVia,
      target: rule.target,
      status,
      attempts: 0,
      createdAt,
      updatedAt: createdAt,
      history: [{ status, at: createdAt }],
      ...held,
      ...(messageTemplate ? { messageTemplate } : {}),
      ...(optOutFooter ? { optOutLine: true, optOutFooter } : {}),
      file: {
        fileName: file.fileName,
        fileType: file.fileType,
        contentType: file.contentType,
        sizeBytes: file.sizeBytes,
        tags: file.tags,
        uploadedAt: file.uploadedAt,
        objectKey: file.objectKey,
      },
    } satisfies NotificationRecord);
  });
  const toSend = stored.filter((n) => n.status === 'pending');
  const dueSoon = stored.filter((n) => n.status === 'scheduled' && n.dueAt && Date.parse(n.dueAt) - now().getTime() <= TIMER_HORIZON_MS);
  await deps.queue.enqueue([
    ...toSend.map((n) => ({ userId: n.userId, notificationId: n.notificationId })),
    ...dueSoon.map((n) => ({ userId: n.userId, notificationId: n.notificationId, dueAt: n.dueAt })),
  ]);
  await Promise.all(dueSoon.map((n) => deps.notifications.timerSet(n.userId, n.notificationId, n.dueAt!)));
  // The search index (about twenty writes) comes after the notifications are on their way, so it
  // adds nothing to upload-to-delivered time; a retry after a crash here finishes it.
  await deps.files.indexFile(file);
  return { fileId: file.fileId, matched: matches.length, enqueued: toSend.length, ...(unchecked > 0 ? { unchecked } : {}) };
}

/**
 * The opt-out line for a recipient who has not had one from this user yet, asked once per
 * recipient however many rules match. Every rule notification to a new recipient carries it
 * until one of them is sent, as API sends do.
 */
function optOutLines(contacts: FanOutDeps['contacts'], userId: string, footer: string | null) {
  const asked = new Map<string, Promise<string | undefined>>();
  return (target: string): Promise<string | undefined> => {
    if (!contacts || !footer) return Promise.resolve(undefined);
    let answer = asked.get(target);
    if (!answer) {
      answer = contacts.hasContacted(userId, target).then((told) => (told ? undefined : footer));
      asked.set(target, answer);
    }
    return answer;
  };
}

/** The bodies of the templates the matched rules name; a deleted one falls back to the default text. */
async function templateBodies(templates: TemplateRepository | undefined, userId: string, rules: Array<{ templateId?: string | null }>) {
  const ids = [...new Set(rules.flatMap((r) => (r.templateId ? [r.templateId] : [])))];
  const found = templates ? await Promise.all(ids.map((id) => templates.get(userId, id))) : [];
  return new Map(found.flatMap((t) => (t ? [[t.templateId, t.body] as const] : [])));
}

/**
 * The file the event's object makes, recorded once from the object itself. A later event for a
 * recorded file is a redelivery when it names the recorded object; when it names another (an
 * upload form used again within its lifetime) the record stays as it is, is marked replaced,
 * and nothing is matched or sent again.
 */
async function recordFile(deps: FanOutDeps, userId: string, fileId: string, event: StoredObjectEvent): Promise<FileRecord | undefined> {
  const existing = await deps.files.getFile(userId, fileId);
  if (existing) {
    if (!replacesRecorded(existing, event) || existing.replacedAt !== undefined) return existing;
    return deps.files.markReplaced(existing, new Date(event.eventTime).toISOString());
  }
  const intent = await deps.files.getPendingUpload(userId, fileId);
  if (!intent) throw new UnknownUploadError(`No upload was requested for ${event.key}, or its request expired.`);
  const object = await deps.store.head(intent.objectKey);
  // Deleted before we got to it: nothing to record or announce.
  if (!object) return undefined;
  const file: FileRecord = {
    userId,
    fileId,
    fileName: intent.fileName,
    fileType: fileTypeOf(intent.fileName),
    contentType: object.contentType,
    sizeBytes: object.sizeBytes,
    tags: intent.tags,
    uploadedAt: new Date(event.eventTime).toISOString(),
    objectKey: intent.objectKey,
    ...(object.eTag !== undefined ? { eTag: object.eTag } : {}),
  };
  return deps.files.recordFile(file, { index: false });
}

/** True when the event names an object other than the one the file was recorded from. */
function replacesRecorded(file: FileRecord, event: StoredObjectEvent): boolean {
  return event.eTag !== undefined && file.eTag !== undefined && event.eTag !== file.eTag;
}
