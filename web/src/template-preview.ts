import { templateVariablesOf } from '../../shared/domain/template-variables.ts';

/** The variables a template body names, or why it cannot be used yet, as the server would say it. */
export function variablesOf(body: string): { variables: string[]; problem?: string } {
  try {
    return { variables: templateVariablesOf(body) };
  } catch (err) {
    return { variables: [], problem: (err as Error).message };
  }
}

/** The body with the values given so far; a variable with no value yet stays as {{name}}. */
export function fillTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g, (whole, name: string) => (values[name] ? values[name] : whole));
}
