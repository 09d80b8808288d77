import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOptOutRepository } from '../../../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let repo: DynamoOptOutRepository;

beforeAll(async () => {
  env = await startTestEngines();
  repo = new DynamoOptOutRepository(env.resources.tableNames.state, env.documentClient);
});

afterAll(async () => {
  await env?.stop();
});

const newPhone = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}-${randomUUID().slice(0, 4)}`;
const T1 = '2026-01-01T00:00:01.000Z';
const T2 = '2026-01-01T00:00:02.000Z';
const T3 = '2026-01-01T00:00:03.000Z';

describe('DynamoOptOutRepository: the newest consent wins whatever order changes arrive in', () => {
  it('does not let an older opt-in (a replayed START) undo a newer opt-out', async () => {
    const phone = newPhone();
    await repo.add({ phone, source: 'keyword', at: T1 });
    expect(await repo.remove(phone, { source: 'keyword', at: T2 })).toBe(true);
    await repo.add({ phone, source: 'keyword', at: T3 });
    expect(await repo.remove(phone, { source: 'keyword', at: T2 })).toBe(false);
    expect(await repo.get(phone)).toMatchObject({ phone, at: T3 });
    expect((await repo.history(phone)).map((c) => c.action)).toEqual(['opt_out', 'opt_in', 'opt_out']);
  });

  it('does not let an older opt-out (a late STOP) undo a newer opt-in', async () => {
    const phone = newPhone();
    await repo.add({ phone, source: 'keyword', at: T1 });
    expect(await repo.remove(phone, { source: 'keyword', at: T3 })).toBe(true);
    await repo.add({ phone, source: 'keyword', at: T2 });
    expect(await repo.get(phone)).toBeUndefined();
    expect((await repo.history(phone)).map((c) => c.action)).toEqual(['opt_out', 'opt_in']);
  });

  it('applies changes that arrive in order', async () => {
    const phone = newPhone();
    await repo.add({ phone, source: 'keyword', at: T1 });
    expect(await repo.remove(phone, { source: 'keyword', at: T2 })).toBe(true);
    await repo.add({ phone, source: 'api', at: T3 });
    expect(await repo.get(phone)).toMatchObject({ source: 'api', at: T3 });
  });
});
