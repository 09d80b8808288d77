import { describe, expect, it } from 'vitest';
import { fileSearchQuery, parseInstant } from '../../../shared/schemas/file-search.schema.ts';

describe('parseInstant', () => {
  it.each([
    ['2026-01-31T09:30:00Z', 'start', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31T09:30Z', 'start', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31T09:30:00.5Z', 'start', '2026-01-31T09:30:00.500Z'],
    ['2026-01-31T09:30:00.123+02:00', 'start', '2026-01-31T07:30:00.123Z'],
    ['2026-01-31T01:00:00-0130', 'start', '2026-01-31T02:30:00.000Z'],
    ['2026-01-31', 'start', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31', 'end', '2026-01-31T23:59:59.999Z'],
    ['2024-02-29', 'end', '2024-02-29T23:59:59.999Z'],
  ] as const)('reads %s as the %s bound %s', (text, edge, iso) => {
    expect(parseInstant(text, edge)).toBe(iso);
  });

  it.each([
    'yesterday',
    '',
    '2026-13-01',
    '2026-02-30',
    '2025-02-29',
    '2026-01-31T24:00:00Z',
    '2026-01-31T09:60:00Z',
    '2026-01-31T09:30:00',
    '2026-01-31T09:30:00.1234Z',
    '2026-01-31T09:30:00+25:00',
    '1767225600000',
    '2026-1-31',
    ' 2026-01-31',
  ])('refuses %j', (text) => {
    expect(parseInstant(text, 'start')).toBeUndefined();
  });
});

describe('fileSearchQuery', () => {
  it('normalises the bounds, lower-cases the type and leaves name and tag as given', () => {
    expect(fileSearchQuery.parse({ name: 'Inv', tag: 'Finance', type: 'PDF', from: '2026-01-01', to: '2026-01-31' })).toMatchObject({
      name: 'Inv',
      tag: 'Finance',
      type: 'pdf',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-31T23:59:59.999Z',
      limit: 20,
    });
  });

  it('takes empty parameters, as a search form sends them, for no filter', () => {
    const query = fileSearchQuery.parse({ name: '', tag: '', type: '', from: '', to: '' });
    for (const field of ['name', 'tag', 'type', 'from', 'to']) expect(query[field as keyof typeof query]).toBeUndefined();
  });

  it('accepts equal bounds and refuses a range that ends before it starts', () => {
    expect(fileSearchQuery.safeParse({ from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }).success).toBe(true);
    const parsed = fileSearchQuery.safeParse({ from: '2026-02-01', to: '2026-01-31' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['from'], message: 'from must not be after to.' });
  });

  it.each([
    [{ from: 'last week' }, 'from'],
    [{ to: '2026-02-30' }, 'to'],
    [{ tag: 'x'.repeat(51) }, 'tag'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ type: 'x'.repeat(65) }, 'type'],
    [{ owner: 'bob' }, ''],
  ])('refuses %j, naming the field', (query, field) => {
    const parsed = fileSearchQuery.safeParse(query);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error!.issues)).toContain(field);
  });
});
