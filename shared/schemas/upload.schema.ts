import * as z from 'zod/mini';
import { unsafeCharacters } from '../domain/text-hygiene.ts';
import '../validation.ts';

/** Content types an upload may declare; anything else is refused before a URL is signed. */
export const allowedContentTypes = [
  'application/pdf',
  'application/json',
  'application/zip',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/octet-stream',
  'text/plain',
  'text/csv',
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'audio/mpeg',
  'video/mp4',
] as const;

export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

// Control characters and path separators make names that display or download badly.
const safeName = /^[^\p{Cc}/\\]+$/u;

/** POST /uploads. */
export const createUploadSchema = z.strictObject({
  fileName: z.string({ error: 'fileName must be a string.' }).check(
    z.minLength(1, 'fileName must not be empty.'),
    z.maxLength(255, 'fileName must be at most 255 characters.'),
    z.regex(safeName, 'fileName must not contain "/", "\\" or control characters.'),
    z.refine((n) => unsafeCharacters(n) === undefined, 'fileName must not contain bidirectional text controls, which make a name read otherwise than it is.'),
    z.refine((n) => n.trim() === n && n !== '.' && n !== '..', 'fileName must not be "." or "..", nor start or end with spaces.'),
  ),
  contentType: z.pipe(
    z.string({ error: 'contentType must be a string such as "application/pdf".' }).check(z.trim(), z.toLowerCase()),
    z.enum(allowedContentTypes, { error: `contentType must be one of: ${allowedContentTypes.join(', ')}.` }),
  ),
  size: z
    .number({ error: 'size must be the file size in bytes.' })
    .check(
      z.refine(Number.isInteger, 'size must be a whole number of bytes.'),
      z.gte(1, 'size must be at least 1 byte.'),
      z.lte(MAX_UPLOAD_BYTES, `size must be at most ${MAX_UPLOAD_BYTES} bytes (100 MiB).`),
    ),
  tags: z._default(
    z
      .array(
        z.string({ error: 'each tag must be a string.' }).check(
          z.trim(),
          z.minLength(1, 'tags must not be empty.'),
          z.maxLength(50, 'each tag must be at most 50 characters.'),
          z.refine((tag) => unsafeCharacters(tag) === undefined, 'tags must not contain control characters or bidirectional text controls.'),
        ),
      )
      .check(
        z.maxLength(10, 'at most 10 tags.'),
        z.refine((tags) => new Set(tags).size === tags.length, 'tags must not repeat.'),
      ),
    [],
  ),
});
export type CreateUploadRequest = z.output<typeof createUploadSchema>;
