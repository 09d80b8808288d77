import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import type { TemplateRepository } from '../ports.ts';
import { newId } from './ids.ts';
import { templateVariablesOf } from './template-variables.ts';

export { renderUserTemplate, templateVariablesOf } from './template-variables.ts';

/** A user's reusable message text with `{{variables}}`. */
export interface Template {
  templateId: string;
  name: string;
  body: string;
  description?: string;
  variables: string[];
  createdAt: string;
  updatedAt: string;
}

export class TemplateNameTakenError extends AppError {
  constructor(name: string) {
    super(`You already have a template named "${name}"; choose another name.`, { code: 'NAME_TAKEN', statusCode: 409 });
  }
}

/** Stores a new template once its variables are found and checked; the name must be free. */
export async function createTemplate(
  templates: TemplateRepository,
  userId: string,
  input: { name: string; body: string; description?: string | null },
  now: Date = new Date(),
): Promise<Template> {
  const at = now.toISOString();
  const template: Template = {
    templateId: newId(now.getTime()),
    name: input.name,
    body: input.body,
    ...(input.description ? { description: input.description } : {}),
    variables: templateVariablesOf(input.body),
    createdAt: at,
    updatedAt: at,
  };
  if (!(await templates.create(userId, template))) throw new TemplateNameTakenError(input.name);
  return template;
}

export async function getTemplate(templates: TemplateRepository, userId: string, templateId: string): Promise<Template> {
  const t = await templates.get(userId, templateId);
  if (!t) throw new NotFoundError(`Template ${templateId}`);
  return t;
}

/** Applies a partial update; a new body has its variables found and checked again. */
export async function updateTemplate(
  templates: TemplateRepository,
  userId: string,
  templateId: string,
  patch: { name?: string; body?: string; description?: string | null },
  now: Date = new Date(),
): Promise<Template> {
  const current = await getTemplate(templates, userId, templateId);
  const body = patch.body ?? current.body;
  const description = patch.description === undefined ? current.description : (patch.description ?? undefined);
  const candidate = now.toISOString();
  const next: Template = {
    templateId,
    name: patch.name ?? current.name,
    body,
    ...(description ? { description } : {}),
    variables: templateVariablesOf(body),
    createdAt: current.createdAt,
    updatedAt: candidate > current.updatedAt ? candidate : new Date(Date.parse(current.updatedAt) + 1).toISOString(),
  };
  const outcome = await templates.replace(userId, next, current);
  if (outcome === 'name-taken') throw new TemplateNameTakenError(next.name);
  if (outcome === 'conflict') throw new ConflictError('The template changed while this update was applied; read it again and retry.');
  return next;
}

export async function deleteTemplate(templates: TemplateRepository, userId: string, templateId: string): Promise<void> {
  if (!(await templates.delete(userId, templateId))) throw new NotFoundError(`Template ${templateId}`);
}

/** A template as the API shows it. */
export function presentTemplate(t: Template) {
  return {
    templateId: t.templateId,
    name: t.name,
    body: t.body,
    ...(t.description ? { description: t.description } : {}),
    variables: t.variables,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
