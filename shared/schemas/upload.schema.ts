import { z } from 'zod';

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
const safeName = /^[^\u0000-\u001f\u007f/\\]+$/;

/** POST /uploads. */
export const createUploadSchema = z.strictObject({
  fileName: z
    .string()
    .min(1, 'fileName must not be empty.')
    .max(255, 'fileName must be at most 255 characters.')
    .regex(safeName, 'fileName must not contain "/", "\\" or control characters.')
    .refine((n) => n.trim() === n && n !== '.' && n !== '..', 'fileName must not be "." or "..", nor start or end with spaces.'),
  contentType: z
    .string()
    .transform((t) => t.trim().toLowerCase())
    .pipe(z.enum(allowedContentTypes, { message: `contentType must be one of: ${allowedContentTypes.join(', ')}.` })),
  size: z
    .number({ message: 'size must be the file size in bytes.' })
    .int('size must be a whole number of bytes.')
    .min(1, 'size must be at least 1 byte.')
    .max(MAX_UPLOAD_BYTES, `size must be at most ${MAX_UPLOAD_BYTES} bytes (100 MiB).`),
  tags: z
    .array(z.string().trim().min(1, 'tags must not be empty.').max(50, 'each tag must be at most 50 characters.'))
    .max(10, 'at most 10 tags.')
    .refine((tags) => new Set(tags).size === tags.length, 'tags must not repeat.')
    .default([]),
});
export type CreateUploadRequest = z.output<typeof createUploadSchema>;
