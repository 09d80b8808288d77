import { unsafeCharacters } from './text-hygiene.ts';

/** The variables a file upload offers a message template. */
export const templateVariables = ['fileName', 'fileType', 'sizeKb', 'tags', 'uploadedAt', 'downloadUrl'] as const;
export type TemplateVariable = (typeof templateVariables)[number];
export type TemplateValues = Record<TemplateVariable, string>;

export const DEFAULT_TEMPLATE = 'New file uploaded: {{fileName}} ({{sizeKb}} KB)';
export const MAX_TEMPLATE_LENGTH = 1600;

const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Problems with a template, each a sentence a person can act on; empty when it is usable. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  const known = new Set<string>(templateVariables);
  const unknown = [...template.matchAll(placeholder)].map((m) => m[1] ?? '').filter((name) => !known.has(name));
  if (unknown.length > 0) {
    problems.push(
      `Unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{{${n}}}`).join(', ')}; ` +
        `available: ${templateVariables.map((n) => `{{${n}}}`).join(', ')}.`,
    );
  }
  const unsafe = unsafeCharacters(template, { lineBreaks: true });
  if (unsafe) problems.push(`The template must not contain ${unsafe}.`);
  const leftover = template.replace(placeholder, '');
  if (leftover.includes('{{') || leftover.includes('}}')) {
    problems.push('The template has an unclosed "{{" or a stray "}}".');
  }
  return problems;
}

/** Whether rendering the template needs a download link (presigning one costs a signature). */
export function templateUses(template: string, variable: TemplateVariable): boolean {
  return [...template.matchAll(placeholder)].some((m) => m[1] === variable);
}

/** Fills a template that passed `templateProblems`. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(placeholder, (_, name: string) => values[name as TemplateVariable] ?? '');
}

/** Sizes as people read them: one decimal under 10 KB (rounded up, so no file reads as 0), whole numbers above. */
export function formatKb(sizeBytes: number): string {
  const kb = sizeBytes / 1024;
  return kb < 10 ? String(Math.ceil(kb * 10) / 10) : String(Math.round(kb));
}

/**
 * The longest each variable can render, from the limits on what feeds it: a file name of 255
 * characters, ten tags of 50 joined by ", ", a size up to 5 GiB. A presigned download link is
 * budgeted at 1,000 characters (the signature with a Lambda role's session token).
 */
const longestValue: Record<TemplateVariable, number> = {
  fileName: 255,
  fileType: 20,
  sizeKb: 7,
  tags: 10 * 50 + 9 * 2,
  uploadedAt: 24,
  downloadUrl: 1000,
};

/** The longest text a rule template can render, given the limits on every variable it uses. */
export function longestRendering(template: string): number {
  return renderTemplate(template, Object.fromEntries(templateVariables.map((v) => [v, 'x'.repeat(longestValue[v])])) as TemplateValues).length;
}
