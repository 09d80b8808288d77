import { advanceRequirement, meetsRequirement } from '../../shared/domain/notification-status.ts';
import type {
  GuardScope,
  HeldGuard,
  NotificationFilter,
  ScheduledSends,
  SendGuards,
  SettingsRepository,
  TemplateRepository,
  UserSettings,
  FileRecord,
  FileRepository,
  FileStore,
  MessageGateway,
  NotificationQueue,
  NotificationRecord,
  NotificationRepository,
  OptOut,
  OptOutChange,
  OptOutRepository,
  OptOutSource,
  OutboundMessage,
  EmailGateway,
  OutboundEmail,
  Pace,
  RateLimiter,
  CircuitBreaker,
  Page,
  PageRequest,
  PendingUpload,
  Rule,
  RuleRepository,
  SendOutcome,
  StatusUpdate,
  StoredObject,
  Admission,
  AdmissionRules,
  MediaRecord,
  MediaRepository,
  MessageAdmission,
  MessageFilter,
  MessageIngestQueue,
  MessageMedia,
  MessageRecord,
  MessageRepository,
  MessageStats,
} from '../../shared/ports.ts';
import { decideAdmission, messageStatusRank, withoutMessage, type AdmissionState } from '../../shared/domain/messages.ts';
import type { NotificationStatus } from '../../shared/domain/notification-status.ts';
import type { Template } from '../../shared/domain/templates.ts';

// Every fake hands out and stores copies, as a database does, so a caller holding a record
// sees a snapshot rather than later writes.
const copy = <T>(value: T): T => structuredClone(value);
const at = (userId: string, id: string) => `${userId}\u0000${id}`;

/** Pages a key-ordered list the way a DynamoDB query with Limit and ExclusiveStartKey does. */
function paginate<T>(sorted: T[], idOf: (item: T) => string, page: PageRequest): Page<T> {
  const after = page.startKey?.sk;
  const start = after === undefined ? 0 : sorted.findIndex((item) => idOf(item) === after) + 1;
  const items = sorted.slice(start, start + page.limit);
  const last = items.at(-1);
  return start + page.limit < sorted.length && last ? { items, lastKey: { sk: idOf(last) } } : { items };
}

export class FakeFileRepository implements FileRepository {
  readonly uploads = new Map<string, PendingUpload>();
  readonly files = new Map<string, FileRecord>();

  async putPendingUpload(upload: PendingUpload): Promise<void> {
    this.uploads.set(at(upload.userId, upload.fileId), copy(upload));
  }

  async getPendingUpload(userId: string, fileId: string): Promise<PendingUpload | undefined> {
    const upload = this.uploads.get(at(userId, fileId));
    return upload && copy(upload);
  }

  readonly indexed: string[] = [];

  async recordFile(file: FileRecord, _opts?: { index?: boolean }): Promise<FileRecord> {
    const existing = this.files.get(at(file.userId, file.fileId));
    if (existing) return copy(existing);
    this.files.set(at(file.userId, file.fileId), copy(file));
    return file;
  }

  async indexFile(file: FileRecord): Promise<void> {
    this.indexed.push(file.fileId);
  }

  async getFile(userId: string, fileId: string): Promise<FileRecord | undefined> {
    const file = this.files.get(at(userId, fileId));
    return file && copy(file);
  }

  async markReplaced(file: FileRecord, replacedAt: string): Promise<FileRecord> {
    const existing = this.files.get(at(file.userId, file.fileId));
    if (!existing) throw new Error(`No file ${file.fileId} to mark.`);
    existing.replacedAt ??= replacedAt;
    this.indexed.push(file.fileId);
    return copy(existing);
  }
}

export class FakeRuleRepository implements RuleRepository {
  private readonly rules = new Map<string, { userId: string; rule: Rule }>();

  async create(userId: string, rule: Rule, maxRules = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    if (this.rules.has(at(userId, rule.ruleId))) throw new Error(`Rule ${rule.ruleId} already exists.`);
    if ((await this.count(userId)) >= maxRules) return false;
    this.rules.set(at(userId, rule.ruleId), { userId, rule: copy(rule) });
    return true;
  }

  async get(userId: string, ruleId: string): Promise<Rule | undefined> {
    const entry = this.rules.get(at(userId, ruleId));
    return entry && copy(entry.rule);
  }

  async list(userId: string, page: PageRequest): Promise<Page<Rule>> {
    const newestFirst = (await this.listAll(userId)).reverse();
    return paginate(newestFirst, (r) => r.ruleId, page);
  }

  async count(userId: string): Promise<number> {
    return (await this.listAll(userId)).length;
  }

  async listAll(userId: string): Promise<Rule[]> {
    return [...this.rules.values()]
      .filter((e) => e.userId === userId)
      .map((e) => copy(e.rule))
      .sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  }

  async replace(userId: string, rule: Rule, expectedUpdatedAt: string): Promise<boolean> {
    const entry = this.rules.get(at(userId, rule.ruleId));
    if (!entry || entry.rule.updatedAt !== expectedUpdatedAt) return false;
    entry.rule = copy(rule);
    return true;
  }

  async delete(userId: string, ruleId: string): Promise<boolean> {
    return this.rules.delete(at(userId, ruleId));
  }
}

/** The NotificationLog with the conditional-write semantics of DynamoNotificationRepository. */
export class FakeNotificationRepository implements NotificationRepository, ScheduledSends {
  private readonly items = new Map<string, NotificationRecord>();
  readonly dueShards = 1;
  /** Notifications whose timer is not on the queue yet (the due index). */
  private readonly due = new Set<string>();

  /** Every stored notification, in key order. */
  all(): NotificationRecord[] {
    return [...this.items.values()].map(copy).sort((a, b) => (a.notificationId < b.notificationId ? -1 : 1));
  }

  /** Writes a record as it stands, bypassing every condition: the test's way to set up a state. */
  seed(n: NotificationRecord): void {
    this.items.set(at(n.userId, n.notificationId), copy(n));
  }

  async createIfAbsent(n: NotificationRecord): Promise<NotificationRecord> {
    const existing = this.items.get(at(n.userId, n.notificationId));
    if (existing) return copy(existing);
    this.items.set(at(n.userId, n.notificationId), copy(n));
    if (n.dueAt && (n.status === 'scheduled' || n.status === 'pending')) this.due.add(at(n.userId, n.notificationId));
    return n;
  }

  private move(n: NotificationRecord, status: NotificationStatus, when: string): void {
    n.status = status;
    n.updatedAt = when;
    n.history.push({ status, at: when });
    delete n.claimExpiresAt;
    if (status !== 'scheduled' && status !== 'pending') this.due.delete(at(n.userId, n.notificationId));
  }

  async promote(userId: string, notificationId: string, dueAt: string, when: string): Promise<boolean> {
    const n = this.items.get(at(userId, notificationId));
    if (n?.status !== 'scheduled' || n.dueAt !== dueAt) return false;
    this.move(n, 'pending', when);
    this.due.delete(at(userId, notificationId));
    return true;
  }

  async promoteAndClaim(userId: string, notificationId: string, dueAt: string, when: string, leaseUntil: number): Promise<NotificationRecord | undefined> {
    if (!(await this.promote(userId, notificationId, dueAt, when))) return undefined;
    const n = this.items.get(at(userId, notificationId))!;
    n.claimExpiresAt = leaseUntil;
    n.attempts += 1;
    return copy(n);
  }

  async cancel(userId: string, notificationId: string, when: string, now: number): Promise<boolean> {
    const n = this.items.get(at(userId, notificationId));
    if (!n || (n.status !== 'scheduled' && n.status !== 'pending')) return false;
    if (n.claimExpiresAt !== undefined && !(n.claimExpiresAt < now)) return false;
    this.move(n, 'canceled', when);
    return true;
  }

  async reschedule(userId: string, notificationId: string, sendAt: string, when: string, dueAt?: string): Promise<boolean> {
    const n = this.items.get(at(userId, notificationId));
    if (n?.status !== 'scheduled' || (dueAt !== undefined && n.dueAt !== dueAt)) return false;
    n.sendAt = sendAt;
    n.dueAt = sendAt;
    n.updatedAt = when;
    this.due.add(at(userId, notificationId));
    return true;
  }

  async listDue(_shard: number, until: string, page: PageRequest): Promise<Page<NotificationRecord>> {
    const due = this.all()
      .filter((n) => this.due.has(at(n.userId, n.notificationId)) && n.dueAt! <= until)
      .sort((a, b) => (a.dueAt! < b.dueAt! ? -1 : 1));
    return paginate(due, (n) => n.notificationId, page);
  }

  async timerSet(userId: string, notificationId: string, dueAt: string): Promise<void> {
    const n = this.items.get(at(userId, notificationId));
    if (n?.dueAt === dueAt) this.due.delete(at(userId, notificationId));
  }

  /** Whether the notification is still waiting for the sweep to set its timer. */
  isDue(userId: string, notificationId: string): boolean {
    return this.due.has(at(userId, notificationId));
  }

  async get(userId: string, notificationId: string): Promise<NotificationRecord | undefined> {
    const n = this.items.get(at(userId, notificationId));
    return n && copy(n);
  }

  async claim(userId: string, notificationId: string, now: number, leaseUntil: number): Promise<NotificationRecord | undefined> {
    const n = this.items.get(at(userId, notificationId));
    if (n?.status !== 'pending') return undefined;
    if (n.claimExpiresAt !== undefined && !(n.claimExpiresAt < now)) return undefined;
    n.claimExpiresAt = leaseUntil;
    n.attempts += 1;
    return copy(n);
  }

  async unclaim(userId: string, notificationId: string, leaseUntil: number): Promise<void> {
    const n = this.items.get(at(userId, notificationId));
    if (!n || n.claimExpiresAt !== leaseUntil) return;
    delete n.claimExpiresAt;
    n.attempts -= 1;
  }

  async release(userId: string, notificationId: string, lastError: { errorCode?: string; errorMessage?: string }): Promise<void> {
    const n = this.items.get(at(userId, notificationId));
    if (!n) return;
    setOrDelete(n, 'errorCode', lastError.errorCode);
    setOrDelete(n, 'errorMessage', lastError.errorMessage);
    delete n.claimExpiresAt;
  }

  async advance(userId: string, notificationId: string, update: StatusUpdate): Promise<boolean> {
    const n = this.items.get(at(userId, notificationId));
    if (!n) return false;
    if (!meetsRequirement(n.status, advanceRequirement(update.status))) return false;
    n.status = update.status;
    n.updatedAt = update.at;
    n.history.push({ status: update.status, at: update.at, ...(update.errorCode ? { errorCode: update.errorCode } : {}) });
    if (update.messageSid) n.messageSid = update.messageSid;
    if (update.size) Object.assign(n, update.size);
    if (update.errorCode !== undefined) {
      n.errorCode = update.errorCode;
      setOrDelete(n, 'errorMessage', update.errorMessage);
    }
    delete n.claimExpiresAt;
    return true;
  }

  async recordMessageSid(userId: string, notificationId: string, messageSid: string, size?: StatusUpdate['size']): Promise<void> {
    const n = this.items.get(at(userId, notificationId));
    if (!n) throw new Error(`The conditional request failed: no notification ${notificationId}.`);
    n.messageSid = messageSid;
    if (size) Object.assign(n, size);
    delete n.claimExpiresAt;
  }

  async findByMessageSid(messageSid: string): Promise<{ userId: string; notificationId: string } | undefined> {
    const n = [...this.items.values()].find((item) => item.messageSid === messageSid);
    return n && { userId: n.userId, notificationId: n.notificationId };
  }

  async list(userId: string, filter: NotificationFilter, page: PageRequest): Promise<Page<NotificationRecord>> {
    const newestFirst = this.all()
      .filter((n) => n.userId === userId)
      .filter((n) => filter.status === undefined || n.status === filter.status)
      .filter((n) => filter.source === undefined || (n.source ?? 'rule') === filter.source)
      .filter((n) => filter.to === undefined || n.target === filter.to)
      .filter((n) => !filter.fileId || n.notificationId.startsWith(`${filter.fileId}-`))
      .reverse();
    return paginate(newestFirst, (n) => n.notificationId, page);
  }

  async listForFile(userId: string, fileId: string): Promise<NotificationRecord[]> {
    return this.all()
      .filter((n) => n.userId === userId && n.notificationId.startsWith(`${fileId}-`))
      .reverse();
  }
}

function setOrDelete<K extends 'errorCode' | 'errorMessage'>(n: NotificationRecord, field: K, value: string | undefined) {
  if (value === undefined) delete n[field];
  else n[field] = value;
}

export class FakeOptOutRepository implements OptOutRepository {
  readonly entries = new Map<string, OptOut>();
  readonly changes = new Map<string, OptOutChange[]>();

  async get(phone: string): Promise<OptOut | undefined> {
    const o = this.entries.get(phone);
    return o && { ...o };
  }

  async add(optOut: OptOut): Promise<void> {
    if (this.entries.has(optOut.phone)) return;
    const lastOptIn = this.changes.get(optOut.phone)?.findLast((c) => c.action === 'opt_in');
    if (lastOptIn && lastOptIn.at >= optOut.at) return;
    this.entries.set(optOut.phone, { ...optOut });
    this.changes.set(optOut.phone, [...(this.changes.get(optOut.phone) ?? []), { action: 'opt_out', source: optOut.source, at: optOut.at }]);
  }

  async remove(phone: string, change: { source: OptOutSource; at: string } = { source: 'keyword', at: new Date().toISOString() }): Promise<boolean> {
    const entry = this.entries.get(phone);
    if (!entry || entry.at >= change.at) return false;
    this.entries.delete(phone);
    this.changes.set(phone, [...(this.changes.get(phone) ?? []), { action: 'opt_in', ...change }]);
    return true;
  }

  async history(phone: string): Promise<OptOutChange[]> {
    return [...(this.changes.get(phone) ?? [])];
  }
}

/** A limiter that lets every message go unless told what to answer next; it keeps what it was asked. */
export class FakeRateLimiter implements RateLimiter {
  readonly turns: Pace[] = [];
  readonly answers: Pace[] = [];
  readonly requests: Array<{ ask: 'turn' | 'acquire'; now: number; slot: number | undefined; priority?: boolean }> = [];

  async turn(now: number, slot?: number, priority?: boolean): Promise<Pace> {
    this.requests.push({ ask: 'turn', now, slot, ...(priority ? { priority } : {}) });
    return this.turns.shift() ?? { kind: 'send' };
  }

  async acquire(now: number, slot?: number, priority?: boolean): Promise<Pace> {
    this.requests.push({ ask: 'acquire', now, slot, ...(priority ? { priority } : {}) });
    return this.answers.shift() ?? { kind: 'send' };
  }
}

/** The shared breaker's semantics, in memory. */
export class FakeCircuitBreaker implements CircuitBreaker {
  failures = 0;
  openUntil = 0;

  constructor(
    private readonly threshold = 3,
    private readonly cooldownMs = 30_000,
  ) {}

  async openFor(now: number): Promise<number> {
    return Math.max(0, this.openUntil - now);
  }

  async recordFailure(now: number): Promise<void> {
    this.failures++;
    if (this.failures >= this.threshold && this.openUntil <= now) this.openUntil = now + this.cooldownMs;
  }

  async recordSuccess(): Promise<void> {
    this.failures = 0;
    this.openUntil = 0;
  }
}

export type NotificationRef = { userId: string; notificationId: string; dueAt?: string; delaySeconds?: number; priority?: number };

/** Records every reference it accepts; `failNext(n)` makes the next n calls throw, enqueuing nothing. */
export class FakeNotificationQueue implements NotificationQueue {
  readonly enqueued: NotificationRef[] = [];
  calls = 0;
  private failures = 0;

  failNext(times = 1): this {
    this.failures = times;
    return this;
  }

  async enqueue(refs: NotificationRef[]): Promise<void> {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('The queue is unavailable.');
    }
    this.enqueued.push(...refs.map(copy));
  }
}

/** Objects live in `objects`; presigned URLs are deterministic so tests can assert them. */
export class FakeFileStore implements FileStore {
  readonly objects = new Map<string, StoredObject>();
  readonly downloadsSigned: string[] = [];

  async presignDownload(key: string, fileName: string, expiresInSeconds: number, ifMatch?: string): Promise<string> {
    this.downloadsSigned.push(key);
    const url = FakeFileStore.downloadUrl(key, fileName, expiresInSeconds);
    return ifMatch === undefined ? url : `${url}&ifMatch=${encodeURIComponent(ifMatch)}`;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const object = this.objects.get(key);
    return object && copy(object);
  }

  static downloadUrl(key: string, fileName: string, expiresInSeconds: number): string {
    return `https://files.test/${key}?name=${encodeURIComponent(fileName)}&ttl=${expiresInSeconds}`;
  }
}

type ScriptedOutcome = SendOutcome | ((message: OutboundMessage) => SendOutcome | Promise<SendOutcome>);

/** Answers each send with the next scripted outcome, or accepts it with a fresh SID; records every send. */
export class FakeMessageGateway implements MessageGateway {
  readonly sent: OutboundMessage[] = [];
  private readonly script: ScriptedOutcome[] = [];

  answer(...outcomes: ScriptedOutcome[]): this {
    this.script.push(...outcomes);
    return this;
  }

  /** Messages Twilio holds, as its list would show them: each accepted send, and any a test adds. */
  readonly held: Array<{ sid: string; to: string; body: string; createdAt: Date }> = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  async send(message: OutboundMessage): Promise<SendOutcome> {
    this.sent.push(copy(message));
    const next = this.script.shift();
    const outcome =
      next === undefined
        ? ({ kind: 'accepted', messageSid: FakeMessageGateway.sid(this.sent.length), status: 'queued' } as const)
        : typeof next === 'function'
          ? await next(message)
          : next;
    if (outcome.kind === 'accepted') this.held.push({ sid: outcome.messageSid, to: message.to, body: message.body, createdAt: this.now() });
    return outcome;
  }

  async findSent(query: { to: string; body: string; since: Date }): Promise<string[]> {
    return this.held.filter((m) => m.to === query.to && m.body === query.body && m.createdAt >= query.since).map((m) => m.sid);
  }

  /** The SID the gateway gives the n-th send when nothing is scripted. */
  static sid(n: number): string {
    return `SM${n.toString(16).padStart(32, '0')}`;
  }
}

/** Email the same way: scripted outcomes, every email kept. */
export class FakeEmailGateway implements EmailGateway {
  readonly sent: OutboundEmail[] = [];
  private readonly script: SendOutcome[] = [];

  answer(...outcomes: SendOutcome[]): this {
    this.script.push(...outcomes);
    return this;
  }

  async send(email: OutboundEmail): Promise<SendOutcome> {
    this.sent.push(copy(email));
    return this.script.shift() ?? { kind: 'accepted', messageSid: `email-${this.sent.length}`, status: 'sent' };
  }
}

/** A clock that stands still until told to move. */
export function frozenClock(iso = '2030-01-01T00:00:00.000Z') {
  let ms = Date.parse(iso);
  const now = () => new Date(ms);
  return Object.assign(now, {
    advance(byMs: number) {
      ms += byMs;
    },
    set(to: string) {
      ms = Date.parse(to);
    },
  });
}

/** The message store in memory: messages, media records and running totals. */
export class FakeMessageStore implements MessageRepository, MediaRepository, MessageStats {
  readonly messages = new Map<string, MessageRecord>();
  readonly mediaRecords = new Map<string, MediaRecord>();
  readonly sums = new Map<string, { processed: number; processingMsTotal: number }>();
  failPuts = false;

  async putIfAbsent(message: MessageRecord): Promise<boolean> {
    if (this.failPuts) throw new Error('the table is unavailable');
    if (this.messages.has(at(message.owner, message.messageId))) return false;
    this.messages.set(at(message.owner, message.messageId), copy(message));
    return true;
  }

  async get(owner: string, messageId: string): Promise<MessageRecord | undefined> {
    const m = this.messages.get(at(owner, messageId));
    return m && copy(m);
  }

  async markStored(message: MessageRecord): Promise<boolean> {
    const current = this.messages.get(at(message.owner, message.messageId));
    if (current && messageStatusRank[current.status] >= messageStatusRank.stored) return false;
    this.messages.set(at(message.owner, message.messageId), { ...copy(message), status: 'stored', media: current?.media ?? message.media });
    return true;
  }

  async markProcessed(message: MessageRecord, processedAt: string, processingMs: number): Promise<boolean> {
    const current = this.messages.get(at(message.owner, message.messageId));
    if (!current || current.status === 'processed') return false;
    Object.assign(current, { status: 'processed', processedAt, processingMs });
    this.uncounted.add(at(message.owner, message.messageId));
    return true;
  }

  readonly uncounted = new Set<string>();
  failAdds = false;

  async uncountedProcessingMs(owner: string, messageId: string): Promise<number | undefined> {
    return this.uncounted.has(at(owner, messageId)) ? this.messages.get(at(owner, messageId))?.processingMs : undefined;
  }

  async markCounted(owner: string, messageId: string): Promise<void> {
    this.uncounted.delete(at(owner, messageId));
  }

  async list(owner: string, filter: MessageFilter, page: PageRequest & { offset: number }): Promise<Page<MessageRecord>> {
    const sorted = [...this.messages.values()]
      .filter(
        (m) =>
          m.owner === owner && (!filter.from || m.from === filter.from) && (!filter.to || m.to === filter.to) && (!filter.status || m.status === filter.status),
      )
      .sort((a, b) => b.messageId.localeCompare(a.messageId));
    const after = page.startKey?.sk;
    const start = (after === undefined ? 0 : sorted.findIndex((m) => m.messageId === after) + 1) + page.offset;
    const items = sorted.slice(start, start + page.limit);
    return start + page.limit < sorted.length ? { items: copy(items), lastKey: { sk: items.at(-1)!.messageId } } : { items: copy(items) };
  }

  async attachMedia(owner: string, messageId: string, media: MessageMedia): Promise<boolean> {
    const current = this.messages.get(at(owner, messageId));
    if (!current || current.media.some((m) => m.mediaId === media.mediaId)) return false;
    current.media.push(copy(media));
    return true;
  }

  async getMedia(owner: string, mediaId: string): Promise<MediaRecord | undefined> {
    const m = this.mediaRecords.get(at(owner, mediaId));
    return m && copy(m);
  }

  async putMediaIfAbsent(media: MediaRecord): Promise<boolean> {
    if (this.mediaRecords.has(at(media.owner, media.mediaId))) return false;
    this.mediaRecords.set(at(media.owner, media.mediaId), copy(media));
    return true;
  }

  async addProcessed(owner: string, processingMs: number): Promise<void> {
    if (this.failAdds) throw new Error('the totals are unavailable');
    const s = this.sums.get(owner) ?? { processed: 0, processingMsTotal: 0 };
    this.sums.set(owner, { processed: s.processed + 1, processingMsTotal: s.processingMsTotal + processingMs });
  }

  async totals(owner: string): Promise<{ processed: number; processingMsTotal: number }> {
    return { ...(this.sums.get(owner) ?? { processed: 0, processingMsTotal: 0 }) };
  }
}

/** Admission states in memory, decided by the same rules as the DynamoDB adapter. */
export class FakeMessageAdmission implements MessageAdmission {
  readonly states = new Map<string, AdmissionState>();

  async admit(request: { sender: string; dedupKey: string; messageId: string; now: number }, rules: AdmissionRules): Promise<Admission> {
    const { admission, next } = decideAdmission(this.states.get(request.sender) ?? { slots: [], recent: [] }, request, rules);
    if (next) this.states.set(request.sender, next);
    return admission;
  }

  async release(sender: string, messageId: string): Promise<void> {
    const state = this.states.get(sender);
    if (state) this.states.set(sender, withoutMessage(state, messageId));
  }
}

export class FakeMessageIngestQueue implements MessageIngestQueue {
  readonly sent: MessageRecord[] = [];
  fail = false;

  async enqueue(message: MessageRecord): Promise<void> {
    if (this.fail) throw new Error('the queue is unavailable');
    this.sent.push(copy(message));
  }
}

/** Guards with the conditional-put semantics of DynamoSendGuards. */
export class FakeSendGuards implements SendGuards {
  readonly held = new Map<string, HeldGuard & { expiresAt: number }>();
  readonly contacts = new Set<string>();

  async take(scope: GuardScope, userId: string, key: string, notificationId: string, now: number, expiresAt: number): Promise<HeldGuard | undefined> {
    const k = `${scope}\u0000${userId}\u0000${key}`;
    const existing = this.held.get(k);
    if (existing && existing.expiresAt > now) return { notificationId: existing.notificationId, takenAt: existing.takenAt };
    this.held.set(k, { notificationId, takenAt: now, expiresAt });
    return undefined;
  }

  async replace(scope: GuardScope, userId: string, key: string, held: HeldGuard, notificationId: string, now: number, expiresAt: number): Promise<boolean> {
    const k = `${scope}\u0000${userId}\u0000${key}`;
    const existing = this.held.get(k);
    if (!existing || existing.notificationId !== held.notificationId || existing.takenAt !== held.takenAt) return false;
    this.held.set(k, { notificationId, takenAt: now, expiresAt });
    return true;
  }

  async hasContacted(userId: string, to: string): Promise<boolean> {
    return this.contacts.has(at(userId, to));
  }

  async recordContact(userId: string, to: string): Promise<void> {
    this.contacts.add(at(userId, to));
  }
}

export class FakeSettingsRepository implements SettingsRepository {
  readonly settings = new Map<string, UserSettings>();

  async get(userId: string): Promise<UserSettings | undefined> {
    const s = this.settings.get(userId);
    return s && copy(s);
  }

  async put(userId: string, settings: UserSettings): Promise<void> {
    this.settings.set(userId, copy(settings));
  }
}

export class FakeTemplateRepository implements TemplateRepository {
  readonly templates = new Map<string, Template>();

  async get(userId: string, templateId: string): Promise<Template | undefined> {
    const t = this.templates.get(at(userId, templateId));
    return t && copy(t);
  }

  async list(userId: string, page: PageRequest): Promise<Page<Template>> {
    const mine = [...this.templates.entries()].filter(([k]) => k.startsWith(`${userId}\u0000`)).map(([, t]) => copy(t));
    return paginate(
      mine.sort((a, b) => (a.templateId < b.templateId ? 1 : -1)),
      (t) => t.templateId,
      page,
    );
  }

  private nameTaken(userId: string, name: string, except?: string): boolean {
    return [...this.templates.entries()].some(
      ([k, t]) => k.startsWith(`${userId}\u0000`) && t.templateId !== except && t.name.toLowerCase() === name.toLowerCase(),
    );
  }

  async create(userId: string, template: Template): Promise<boolean> {
    if (this.nameTaken(userId, template.name)) return false;
    this.templates.set(at(userId, template.templateId), copy(template));
    return true;
  }

  async replace(userId: string, template: Template, previous: Template): Promise<'ok' | 'conflict' | 'name-taken'> {
    const current = this.templates.get(at(userId, template.templateId));
    if (!current || current.updatedAt !== previous.updatedAt) return 'conflict';
    if (this.nameTaken(userId, template.name, template.templateId)) return 'name-taken';
    this.templates.set(at(userId, template.templateId), copy(template));
    return 'ok';
  }

  async delete(userId: string, templateId: string): Promise<boolean> {
    return this.templates.delete(at(userId, templateId));
  }
}
