import { ValidationError } from '../errors.ts';

/** A template's `{{variables}}`: found and filled here, with no I/O, so the console checks them as the server does. */
const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;
const variableName = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The variables a template body names, in order of first use; throws a 400 naming what is malformed. */
export function templateVariablesOf(body: string): string[] {
  const names: string[] = [];
  for (const m of body.matchAll(placeholder)) {
    const name = m[1] ?? '';
    if (!variableName.test(name)) {
      throw new ValidationError(`body: {{${name}}} is not a variable name; use letters, digits and _ (not starting with a digit), such as {{firstName}}.`, [
        { field: 'body', message: `Bad variable {{${name}}}.` },
      ]);
    }
    if (!names.includes(name)) names.push(name);
  }
  const leftover = body.replace(placeholder, '');
  if (leftover.includes('{{') || leftover.includes('}}')) {
    throw new ValidationError('body: the template has an unclosed "{{" or a stray "}}".', [{ field: 'body', message: 'Unbalanced braces.' }]);
  }
  return names;
}

/** Fills every variable; a missing one is a 400 that names it. */
export function renderUserTemplate(body: string, variables: Record<string, string>): string {
  const missing = templateVariablesOf(body).filter((name) => !Object.hasOwn(variables, name));
  if (missing.length > 0) {
    throw new ValidationError(`variables: missing ${missing.map((n) => `"${n}"`).join(', ')}, which the template uses.`, [
      ...missing.map((name) => ({ field: `variables.${name}`, message: `Missing template variable "${name}".` })),
    ]);
  }
  return body.replace(placeholder, (_, name: string) => variables[name] ?? '');
}
