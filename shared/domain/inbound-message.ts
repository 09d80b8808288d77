import { createHash } from 'node:crypto';
import { bucket } from '../topology.ts';
import { stableId } from './ids.ts';
import { unclaimedOwner, userOwner } from './messages.ts';
import { checkImage, mediaObjectKey, storeImage } from './message-media.ts';
import type {
  InboundMedia,
  InboundMessage,
  MediaRepository,
  MessageIngestQueue,
  ReceivedMessage,
  MessageRepository,
  InboundMessageRepository,
  MediaSource,
  MediaStore,
  NotificationMaintenance,
  NumberClaim,
  OptOutRepository,
  VoiceTaskQueue,
} from '../ports.ts';

/** Carrier-standard opt-out words; Twilio's own opt-out handling recognises the same list. */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type Keyword = 'opt-out' | 'opt-in' | 'help';

export const DEFAULT_HELP_TEXT = 'File upload notifications. Reply STOP to unsubscribe, START to subscribe again.';
export const OPT_OUT_REPLY = 'You are unsubscribed and will get no more messages from this number. Reply START to subscribe again.';
export const OPT_IN_REPLY = 'You are subscribed again. Reply STOP to unsubscribe, HELP for help.';

/** The error a notification ends with when its recipient opted out before it was sent (Twilio's own code for it). */
export const OPTED_OUT = { errorCode: '21610', errorMessage: 'Not sent: the recipient replied STOP to this number before it went out.' } as const;

const keywords = new Map<string, Keyword>([
  ...OPT_OUT_KEYWORDS.map((word) => [word, 'opt-out'] as const),
  ...OPT_IN_KEYWORDS.map((word) => [word, 'opt-in'] as const),
  ...HELP_KEYWORDS.map((word) => [word, 'help'] as const),
]);

/** The keyword a message is, when its whole body (trimmed, any case) is one; "stop now" is not. */
export function keywordOf(body: string): Keyword | undefined {
  return keywords.get(body.trim().toUpperCase());
}

/** The number behind a Twilio address: `whatsapp:+14155550100` → `+14155550100`. */
export const phoneOf = (address: string): string => address.replace(/^[a-z]+:/i, '');

/** Object key of an inbound media copy: named by its content, so one picture is stored once. */
export const mediaKeyFor = (sha256: string): string => `${bucket.mediaPrefix}${sha256}`;

export interface InboundDeps {
  messages: InboundMessageRepository;
  optOuts: OptOutRepository;
  notifications: NotificationMaintenance;
  mediaSource: MediaSource;
  mediaStore: MediaStore;
  helpText: string;
  /**
   * The message store, where inbound messages are kept for GET /messages and processed like any
   * other, their images in its media store (one object per owner and content) rather than under
   * `inbound-media/`.
   */
  store?: { messages: MessageRepository; queue: MessageIngestQueue; media: MediaRepository };
  /**
   * Lines: a message to a line's number belongs to the line's owner, and joins the conversation
   * with its sender through the voice queue.
   */
  lines?: { claimOf(number: string): Promise<NumberClaim | undefined>; tasks: VoiceTaskQueue };
}

export interface InboundInput {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  media: Array<{ url: string; contentType: string }>;
}

export interface InboundOutcome {
  /** What to text back, if anything. */
  reply?: string;
  keyword?: Keyword;
  /** False when Twilio repeated a message already stored. */
  stored: boolean;
  /** Pending notifications to the sender that an opt-out ended. */
  suppressed: number;
}

/**
 * Handles one inbound message: stores it once (by MessageSid) with copies of its images, then
 * acts on a keyword. Every step is idempotent, so when Twilio repeats the webhook the message is
 * not stored twice, while a keyword's effect is applied again (to the same end) in case the
 * first attempt stopped half-way. A keyword is dated by the message's first receipt, and the
 * opt-out list never lets an older change override a newer one, so a repeated or replayed START
 * cannot undo a later STOP.
 */
export async function handleInboundMessage(deps: InboundDeps, input: InboundInput, now: () => Date = () => new Date()): Promise<InboundOutcome> {
  let stored = false;
  const claim = deps.lines ? await deps.lines.claimOf(phoneOf(input.to)) : undefined;
  const owner = claim ? userOwner(claim.userId) : unclaimedOwner(phoneOf(input.to));
  let inbound = await deps.messages.get(input.from, input.messageSid);
  if (!inbound) {
    const media = await Promise.all(input.media.map((item) => copyMedia(deps, item, owner)));
    const candidate = {
      messageSid: input.messageSid,
      from: input.from,
      to: input.to,
      body: input.body,
      media,
      receivedAt: now().toISOString(),
    };
    stored = await deps.messages.recordIfAbsent(candidate);
    inbound = stored ? candidate : ((await deps.messages.get(input.from, input.messageSid)) ?? candidate);
  }
  // Every time, not only the first: a repeat finishes what an attempt that stopped half-way began.
  if (deps.store) await keepInMessageStore(deps.store, inbound, owner);

  const keyword = keywordOf(input.body);
  if (claim && !keyword && deps.lines) {
    await deps.lines.tasks.enqueue({
      kind: 'inbound',
      userId: claim.userId,
      lineId: claim.lineId,
      from: phoneOf(input.from),
      body: input.body,
      messageSid: input.messageSid,
      receivedAt: inbound.receivedAt,
    });
  }
  const phone = phoneOf(input.from);
  // Dated by the message's first receipt, so a repeat of an old keyword cannot undo a newer one.
  const at = inbound.receivedAt;
  switch (keyword) {
    case 'opt-out': {
      // The list first: a sender that claims a notification after this point suppresses it itself.
      await deps.optOuts.add({ phone, source: 'keyword', at });
      const suppressed = await suppressPendingTo(deps.notifications, phone, now);
      return { reply: OPT_OUT_REPLY, keyword, stored, suppressed };
    }
    case 'opt-in':
      await deps.optOuts.remove(phone, { source: 'keyword', at });
      return { reply: OPT_IN_REPLY, keyword, stored, suppressed: 0 };
    case 'help':
      return { reply: deps.helpText, keyword, stored, suppressed: 0 };
    default:
      return { stored, suppressed: 0 };
  }
}

/**
 * Ends every pending notification to `phone` as `suppressed`. Those a sender holds right now are
 * left to it: it checks the opt-out list after claiming, so it suppresses them too.
 */
export async function suppressPendingTo(notifications: NotificationMaintenance, phone: string, now: () => Date = () => new Date()): Promise<number> {
  let suppressed = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await notifications.listPendingTo(phone, { limit: 100, startKey });
    for (const n of page.items) {
      const at = now();
      const done = await notifications.suppressPending(n.userId, n.notificationId, { status: 'suppressed', at: at.toISOString(), ...OPTED_OUT }, at.getTime());
      if (done) suppressed += 1;
    }
    startKey = page.lastKey;
  } while (startKey);
  return suppressed;
}

async function copyMedia(deps: InboundDeps, item: { url: string; contentType: string }, owner: string): Promise<InboundMedia> {
  if (!/^image\//i.test(item.contentType)) return { ...item, skipped: `not an image (${item.contentType || 'no content type'})` };
  const download = await deps.mediaSource.download(item.url);
  if (download.kind === 'refused') return { ...item, skipped: download.reason };
  if (deps.store) {
    let type: ReturnType<typeof checkImage>;
    try {
      type = checkImage(download.bytes);
    } catch (err) {
      return { ...item, skipped: err instanceof Error ? err.message : String(err) };
    }
    const { media } = await storeImage({ media: deps.store.media, store: deps.mediaStore }, owner, download.bytes, type);
    return { url: item.url, contentType: media.contentType, sha256: media.mediaId, key: mediaObjectKey(owner, media.mediaId), sizeBytes: media.sizeBytes };
  }
  const sha256 = createHash('sha256').update(download.bytes).digest('hex');
  const key = mediaKeyFor(sha256);
  await deps.mediaStore.putIfAbsent(key, download.bytes, download.contentType);
  return { url: item.url, contentType: download.contentType, sha256, key, sizeBytes: download.bytes.byteLength };
}

/**
 * Files an inbound message in the message store, under the owner of the number it was sent to:
 * the user whose line holds it, else `unclaimed#<To>`, visible to nobody. Its id derives from the MessageSid and the first receipt, so repeats write the same item,
 * and the ingest queue takes it to `processed` like a posted message (idempotently).
 */
export async function keepInMessageStore(store: NonNullable<InboundDeps['store']>, inbound: InboundMessage, owner?: string): Promise<void> {
  const to = phoneOf(inbound.to);
  const message: ReceivedMessage = {
    owner: owner ?? unclaimedOwner(to),
    messageId: stableId(Date.parse(inbound.receivedAt), inbound.messageSid),
    from: phoneOf(inbound.from),
    to,
    message: inbound.body,
    receivedAt: inbound.receivedAt,
    status: 'received',
    source: 'twilio',
    media: inbound.media.flatMap((m) =>
      m.sha256 && m.key === mediaObjectKey(owner ?? unclaimedOwner(to), m.sha256)
        ? [{ mediaId: m.sha256, contentType: m.contentType, sizeBytes: m.sizeBytes ?? 0 }]
        : [],
    ),
    messageSid: inbound.messageSid,
  };
  const existing = await store.messages.get(message.owner, message.messageId);
  if (existing && existing.status !== 'received') return;
  await store.messages.putIfAbsent(message);
  await store.queue.enqueue(message);
}
