import { describe, it, expect } from 'vitest';
import { cursorKey, openCursor, sealCursor } from '../../shared/cursor.ts';
import { ConfigError, InvalidCursorError } from '../../shared/errors.ts';

const key = 'k'.repeat(32);
const lastKey = { pk: 'alice', sk: 'FILE#01HZZ00000000000000000000A', nested: { n: 1 } };
const alice = { userId: 'alice', query: '[["tag","finance"]]' };

describe('sealCursor / openCursor', () => {
  it('opens a cursor to the last key it sealed', () => {
    expect(openCursor(key, sealCursor(key, lastKey, alice), alice)).toEqual(lastKey);
  });

  it('makes an opaque cursor that does not spell out the key in plain text', () => {
    expect(sealCursor(key, lastKey, alice)).not.toContain('alice');
  });

  it("refuses user A's cursor for user B", () => {
    const cursor = sealCursor(key, lastKey, alice);
    expect(() => openCursor(key, cursor, { ...alice, userId: 'bob' })).toThrow(InvalidCursorError);
  });

  it('refuses a cursor for another query of the same user', () => {
    const cursor = sealCursor(key, lastKey, alice);
    expect(() => openCursor(key, cursor, { ...alice, query: '[["tag","legal"]]' })).toThrow(InvalidCursorError);
  });

  it('refuses a cursor sealed with another key', () => {
    const cursor = sealCursor('x'.repeat(32), lastKey, alice);
    expect(() => openCursor(key, cursor, alice)).toThrow(InvalidCursorError);
  });

  it('refuses a cursor whose payload was changed', () => {
    const [, tag] = sealCursor(key, lastKey, alice).split('.');
    const forged = Buffer.from(JSON.stringify({ ...lastKey, pk: 'bob' })).toString('base64url');
    expect(() => openCursor(key, `${forged}.${tag}`, alice)).toThrow(InvalidCursorError);
  });

  it('refuses a cursor whose tag was changed', () => {
    const [payload, tag = ''] = sealCursor(key, lastKey, alice).split('.');
    const flipped = `${tag.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}`;
    expect(() => openCursor(key, `${payload}.${flipped}`, alice)).toThrow(InvalidCursorError);
    expect(() => openCursor(key, `${payload}.${tag.slice(0, 10)}`, alice)).toThrow(InvalidCursorError);
  });

  it.each(['', 'garbage', '.', 'a.', '.b', 'a.b.c', '%%%.%%%', 'eyJ9.eyJ9', `${'A'.repeat(500)}.${'B'.repeat(43)}`])(
    'refuses the garbage cursor %j with a 400',
    (cursor) => {
      const attempt = () => openCursor(key, cursor, alice);
      expect(attempt).toThrow(InvalidCursorError);
      try {
        attempt();
      } catch (err) {
        expect(err).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR', expose: true });
      }
    },
  );
});

describe('cursorKey', () => {
  it('takes the key from CURSOR_SECRET locally', async () => {
    expect(await cursorKey({ CURSOR_SECRET: key })).toBe(key);
  });

  it('refuses a key shorter than 32 characters at start', async () => {
    await expect(cursorKey({ CURSOR_SECRET: 'short' })).rejects.toBeInstanceOf(ConfigError);
    await expect(cursorKey({})).rejects.toBeInstanceOf(ConfigError);
  });
});
