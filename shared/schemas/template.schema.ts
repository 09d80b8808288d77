import * as z from 'zod/mini';
import { MAX_TEMPLATE_LENGTH } from '../domain/message-template.ts';
import '../validation.ts';
import { unsafeCharacters } from '../domain/text-hygiene.ts';

const fields = {
  name: z.string({ error: 'name must be a string.' }).check(
    z.trim(),
    z.minLength(1, 'name must not be empty.'),
    z.maxLength(100, 'name must be at most 100 characters.'),
    z.refine((name) => unsafeCharacters(name) === undefined, 'name must not contain control characters or bidirectional text controls.'),
  ),
  body: z.string({ error: 'body must be a string.' }).check(
    z.minLength(1, 'body must not be empty.'),
    z.maxLength(MAX_TEMPLATE_LENGTH, `body must be at most ${MAX_TEMPLATE_LENGTH} characters.`),
    z.refine(
      (body) => unsafeCharacters(body, { lineBreaks: true }) === undefined,
      'body must not contain control characters (line breaks and tabs aside) or bidirectional text controls.',
    ),
  ),
  description: z.optional(z.nullable(z.string().check(z.maxLength(500, 'description must be at most 500 characters.')))),
};

/** POST /templates. */
export const createTemplateSchema = z.strictObject(fields);
export type TemplateInput = z.output<typeof createTemplateSchema>;

/** PATCH /templates/{templateId}: any subset of the fields. */
export const patchTemplateSchema = z
  .strictObject({ name: z.optional(fields.name), body: z.optional(fields.body), description: fields.description })
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'The patch is empty; send at least one field to change.'));
export type TemplatePatch = z.output<typeof patchTemplateSchema>;
