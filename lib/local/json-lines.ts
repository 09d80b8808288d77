import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Anything with zod's safeParse (classic or mini). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/**
 * The records a simulator saved in `file`, one JSON document a line, oldest first. A line cut
 * short by a crash mid-write, or one that no longer fits the schema, is skipped rather than
 * failing the whole runtime; a missing file is an empty store.
 */
export function loadJsonLines<T>(file: string, schema: Schema<T>): T[] {
  mkdirSync(dirname(file), { recursive: true });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
  }
  return records;
}

/** Appends one record to a JSON-lines store. */
export function appendJsonLine(file: string, record: unknown): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}
