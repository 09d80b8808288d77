import { createHash } from 'node:crypto';
import { bucket } from '../topology.ts';
import { AppError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';
import { newId } from './ids.ts';
import { ownMessage, presentMessage } from './messages.ts';
import type { FileStore, MediaRepository, MediaStore, MessageMedia, MessageRecord, MessageRepository, UploadedMediaStore, UploadSigner } from '../ports.ts';

export const MAX_MEDIA_BYTES = 5 * 1024 * 1024;
export const MEDIA_URL_TTL_SECONDS = 15 * 60;
/** How long a presigned image form may be used: long enough to start one upload, no longer. */
export const MEDIA_UPLOAD_TTL_SECONDS = 5 * 60;
/** The type the form pins: the bytes decide what the image is, so the client need not say. */
const MEDIA_UPLOAD_CONTENT_TYPE = 'application/octet-stream';

export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

const extensions: Record<ImageType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type the bytes' own signature names, whatever a header or file name says; undefined for anything else. */
export function imageTypeOf(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return undefined;
}

/**
 * Whether the image ends where its format says it must: PNG with its IEND chunk, JPEG with the
 * end-of-image marker, GIF with its trailer, WebP at the length its RIFF header declares. A cut-off
 * upload passes the signature check but not this one.
 */
export function isComplete(bytes: Uint8Array, type: ImageType): boolean {
  const n = bytes.length;
  switch (type) {
    case 'image/png':
      return n >= 8 + 12 && startsWith(bytes, [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82], n - 8);
    case 'image/jpeg': {
      // Some encoders pad after the end-of-image marker; look for it near the end.
      for (let i = n - 2; i >= Math.max(2, n - 64); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
      return false;
    }
    case 'image/gif':
      return n > 13 && bytes[n - 1] === 0x3b;
    case 'image/webp': {
      if (n < 16) return false;
      const declared = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
      return n >= declared + 8;
    }
  }
}

/** Checks an uploaded body: present, at most 5 MB, an image by its bytes and whole. */
export function checkImage(bytes: Uint8Array): ImageType {
  if (bytes.length === 0) throw new ValidationError('The body is empty; send the image bytes (PNG, JPEG, GIF or WebP).');
  if (bytes.length > MAX_MEDIA_BYTES) throw new PayloadTooLargeError(`The image is ${bytes.length} bytes; at most ${MAX_MEDIA_BYTES} (5 MB) are accepted.`);
  const type = imageTypeOf(bytes);
  if (!type) throw new UnsupportedMediaTypeError('The body is not a PNG, JPEG, GIF or WebP image (judged by its bytes, not its name or Content-Type).');
  if (!isComplete(bytes, type)) throw new ValidationError(`The ${extensions[type].toUpperCase()} image is truncated; send the whole file.`);
  return type;
}

/** Object key of an owner's image: named by its content, so the same bytes are one object per owner. */
export const mediaObjectKey = (owner: string, mediaId: string): string => `${bucket.messageMediaPrefix}${encodeURIComponent(owner)}/${mediaId}`;

/** Media as the API shows it, with a fresh short-lived link. */
export async function presentMedia(owner: string, media: MessageMedia, store: FileStore) {
  return {
    mediaId: media.mediaId,
    contentType: media.contentType,
    sizeBytes: media.sizeBytes,
    url: await store.presignDownload(
      mediaObjectKey(owner, media.mediaId),
      `${media.mediaId}.${extensions[media.contentType as ImageType] ?? 'bin'}`,
      MEDIA_URL_TTL_SECONDS,
    ),
  };
}

/** A message as the API shows it, each image with a fresh link. */
export async function presentMessageWithMedia(message: MessageRecord, store: FileStore) {
  return presentMessage(message, await Promise.all(message.media.map((media) => presentMedia(message.owner, media, store))));
}

export interface MediaDeps {
  messages: MessageRepository;
  media: MediaRepository;
  store: MediaStore;
}

/**
 * Stores an image once per owner and content. The object is written first, under a key named by
 * the content (concurrent identical uploads write the same object), then the record by a
 * conditional put, which exactly one of them wins; a failure in between leaves an object that
 * the next upload of the same bytes reuses. `deduplicated` is true when the record was there.
 */
export async function storeImage(
  deps: Pick<MediaDeps, 'media' | 'store'>,
  owner: string,
  bytes: Uint8Array,
  type: ImageType,
  now: () => Date = () => new Date(),
): Promise<{ media: MessageMedia; deduplicated: boolean }> {
  const mediaId = createHash('sha256').update(bytes).digest('hex');
  const known = await deps.media.getMedia(owner, mediaId);
  if (known) return { media: { mediaId, contentType: known.contentType, sizeBytes: known.sizeBytes }, deduplicated: true };
  const objectKey = mediaObjectKey(owner, mediaId);
  await deps.store.putIfAbsent(objectKey, bytes, type);
  const media = { mediaId, contentType: type, sizeBytes: bytes.length };
  const created = await deps.media.putMediaIfAbsent({ ...media, owner, objectKey, createdAt: now().toISOString() });
  return { media, deduplicated: !created };
}

/** POST /messages/{id}/media: checks the image, stores it once, and attaches it to the owner's message. */
export async function attachImage(
  deps: MediaDeps,
  owner: string,
  messageId: string,
  bytes: Uint8Array,
): Promise<{ media: MessageMedia; deduplicated: boolean }> {
  const type = checkImage(bytes);
  await ownMessage(deps.messages, owner, messageId);
  const stored = await storeImage(deps, owner, bytes, type);
  const attached = await deps.messages.attachMedia(owner, messageId, stored.media);
  return { media: stored.media, deduplicated: stored.deduplicated || !attached };
}

/**
 * Key of an image posted with a presigned form. It names the owner and the message, so the
 * consumer of its object-created event needs nothing else, and the upload id keeps two forms
 * for one message apart.
 */
export const mediaUploadKey = (owner: string, messageId: string, uploadId: string): string =>
  `${bucket.mediaUploadPrefix}${encodeURIComponent(owner)}/${messageId}/${uploadId}`;

/** The owner and message a form-posted image is for; undefined for a key no form of ours names. */
export function mediaUploadTarget(key: string): { owner: string; messageId: string } | undefined {
  if (!key.startsWith(bucket.mediaUploadPrefix)) return undefined;
  const parts = key.slice(bucket.mediaUploadPrefix.length).split('/');
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined;
  try {
    return { owner: decodeURIComponent(parts[0]!), messageId: parts[1]! };
  } catch {
    return undefined;
  }
}

/**
 * POST /messages/{id}/media/uploads: a presigned POST for one image of the owner's message, at
 * most 5 MB by the policy itself, for uploads the API cannot carry (deployed, Lambda's request
 * limit stops a raw body near 4.4 MB). The image is checked and attached once it is stored.
 */
export async function requestMediaUpload(
  deps: { messages: MessageRepository; uploads: UploadSigner },
  owner: string,
  messageId: string,
  now: Date = new Date(),
) {
  await ownMessage(deps.messages, owner, messageId);
  const uploadId = newId(now.getTime());
  const presigned = await deps.uploads.presignUpload({
    key: mediaUploadKey(owner, messageId, uploadId),
    contentType: MEDIA_UPLOAD_CONTENT_TYPE,
    maxBytes: MAX_MEDIA_BYTES,
    expiresInSeconds: MEDIA_UPLOAD_TTL_SECONDS,
  });
  return { uploadId, url: presigned.url, fields: presigned.fields, expiresAt: presigned.expiresAt, maxBytes: MAX_MEDIA_BYTES };
}

export type UploadedImageOutcome =
  | { outcome: 'attached'; media: MessageMedia; deduplicated: boolean }
  | { outcome: 'refused'; reason: string }
  /** The object was handled and deleted already (a redelivered event). */
  | { outcome: 'gone' };

/**
 * Attaches an image posted with a presigned form exactly as POST /messages/{id}/media would
 * (the same checks, the same one object and record per owner and content), then deletes the
 * posted object. What that route would refuse (not an image, truncated, too large, no such
 * message) is dropped with nothing attached; any other failure throws, leaving the object for
 * the event's redelivery.
 */
export async function attachUploadedImage(
  deps: MediaDeps & { uploads: UploadedMediaStore },
  upload: { key: string; sizeBytes?: number },
): Promise<UploadedImageOutcome> {
  const outcome = await attachOrRefuse(deps, upload);
  if (outcome.outcome !== 'gone') await deps.uploads.delete(upload.key);
  return outcome;
}

async function attachOrRefuse(deps: MediaDeps & { uploads: UploadedMediaStore }, upload: { key: string; sizeBytes?: number }): Promise<UploadedImageOutcome> {
  const target = mediaUploadTarget(upload.key);
  if (!target) return { outcome: 'refused', reason: 'The key names no message.' };
  // The form's policy caps the size; an object over it is not read at all.
  if ((upload.sizeBytes ?? 0) > MAX_MEDIA_BYTES)
    return { outcome: 'refused', reason: `The image is ${upload.sizeBytes} bytes; at most ${MAX_MEDIA_BYTES} are accepted.` };
  const bytes = await deps.uploads.read(upload.key);
  if (!bytes) return { outcome: 'gone' };
  try {
    return { outcome: 'attached', ...(await attachImage(deps, target.owner, target.messageId, bytes)) };
  } catch (err) {
    if (err instanceof AppError && err.statusCode < 500) return { outcome: 'refused', reason: err.message };
    throw err;
  }
}
