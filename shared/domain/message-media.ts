import { createHash } from 'node:crypto';
import { bucket } from '../topology.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';
import { ownMessage, presentMessage } from './messages.ts';
import type { FileStore, MediaRepository, MediaStore, MessageMedia, MessageRecord, MessageRepository } from '../ports.ts';

export const MAX_MEDIA_BYTES = 5 * 1024 * 1024;
export const MEDIA_URL_TTL_SECONDS = 15 * 60;

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
