import { bucket } from '../topology.ts';
import type { FileRecord, FileStore, NotificationRecord } from '../ports.ts';

export const DOWNLOAD_URL_TTL_SECONDS = 15 * 60;
const KEY_PREFIX = bucket.prefix;

/** The object key for a user's file; the server makes it, so no file name can steer it. */
export function objectKeyFor(userId: string, fileId: string): string {
  return `${KEY_PREFIX}${encodeURIComponent(userId)}/${fileId}`;
}

/** The owner and file an object key names, or undefined for a key this system did not make. */
export function parseObjectKey(key: string): { userId: string; fileId: string } | undefined {
  if (!key.startsWith(KEY_PREFIX)) return undefined;
  const parts = key.slice(KEY_PREFIX.length).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1] || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(parts[1])) return undefined;
  try {
    return { userId: decodeURIComponent(parts[0]), fileId: parts[1] };
  } catch {
    return undefined;
  }
}

/**
 * The ETag a file's download link is pinned to: only once its object was replaced after it was
 * recorded, so the link can no longer serve content other than what the record describes.
 */
export function pinnedETag(file: Pick<FileRecord, 'eTag' | 'replacedAt'>): string | undefined {
  if (file.replacedAt === undefined) return undefined;
  return file.eTag ?? 'replaced';
}

/** FileMetadata as every route returns it, with a fresh short-lived download link. */
export async function presentFile(file: FileRecord, store: FileStore) {
  return {
    fileId: file.fileId,
    fileName: file.fileName,
    fileType: file.fileType,
    contentType: file.contentType,
    sizeBytes: file.sizeBytes,
    tags: file.tags,
    uploadedAt: file.uploadedAt,
    downloadUrl: await store.presignDownload(file.objectKey, file.fileName, DOWNLOAD_URL_TTL_SECONDS, pinnedETag(file)),
  };
}

/** A notification as the API shows it; internal bookkeeping (claims, template, file copy, timers) stays in. */
export function presentNotification(n: NotificationRecord) {
  return {
    notificationId: n.notificationId,
    source: n.source ?? 'rule',
    ...(n.fileId !== undefined ? { fileId: n.fileId } : {}),
    ...(n.ruleId !== undefined ? { ruleId: n.ruleId } : {}),
    channel: n.channel,
    target: n.target,
    ...(n.from !== undefined ? { from: n.from } : {}),
    status: n.status,
    ...(n.body !== undefined ? { body: n.body } : {}),
    ...(n.templateId !== undefined ? { templateId: n.templateId } : {}),
    ...(n.priority !== undefined ? { priority: n.priority } : {}),
    ...(n.sendAt !== undefined ? { sendAt: n.sendAt } : {}),
    ...(n.metadata !== undefined ? { metadata: n.metadata } : {}),
    ...(n.messageSid ? { messageSid: n.messageSid } : {}),
    ...(n.errorCode ? { errorCode: n.errorCode } : {}),
    ...(n.errorMessage ? { errorMessage: n.errorMessage } : {}),
    attempts: n.attempts,
    ...(n.segments ? { segments: n.segments, encoding: n.encoding } : {}),
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    history: n.history,
  };
}
