import { createHmac, timingSafeEqual } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError, InvalidCursorError } from './errors.ts';
import { commonEnv } from './topology.ts';

/**
 * Where the key that signs cursors comes from: Secrets Manager when deployed
 * (CURSOR_SECRET_ID), a variable locally (CURSOR_SECRET). Cached by Powertools.
 */
export async function cursorKey(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const secretId = env[commonEnv.cursorSecretId];
  const secret = secretId ? await getSecret(secretId, { maxAge: 300 }) : env.CURSOR_SECRET;
  if (typeof secret !== 'string' || secret.length < 32) {
    throw new ConfigError('Set CURSOR_SECRET_ID, or CURSOR_SECRET to at least 32 characters.');
  }
  return secret;
}

/** What a cursor is bound to: whose list it pages and with which filters. */
export interface CursorBinding {
  userId: string;
  query: string;
}

const mac = (key: string, payload: string, binding: CursorBinding) =>
  createHmac('sha256', key).update(`${binding.userId}\n${binding.query}\n${payload}`).digest();

/** Seals a page's last key into an opaque cursor that only the same user and query can open. */
export function sealCursor(key: string, lastKey: Record<string, unknown>, binding: CursorBinding): string {
  const payload = Buffer.from(JSON.stringify(lastKey)).toString('base64url');
  return `${payload}.${mac(key, payload, binding).toString('base64url')}`;
}

/** Opens a cursor made by `sealCursor` for the same binding; anything else is a 400. */
export function openCursor(key: string, cursor: string, binding: CursorBinding): Record<string, unknown> {
  const [payload, tag, ...rest] = cursor.split('.');
  if (!payload || !tag || rest.length > 0) throw new InvalidCursorError();
  const expected = mac(key, payload, binding);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
  try {
    const lastKey: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof lastKey !== 'object' || lastKey === null || Array.isArray(lastKey)) throw new InvalidCursorError();
    return lastKey as Record<string, unknown>;
  } catch {
    throw new InvalidCursorError();
  }
}
