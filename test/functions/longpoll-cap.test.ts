import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  process.env.LONGPOLL_MAX_PER_USER = '2';
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
  delete process.env.LONGPOLL_MAX_PER_USER;
});

describe('a cap on one user’s concurrent long polls', () => {
  it('refuses a poll over the cap with 429 RATE_LIMITED, leaves other users theirs, and frees the slots when the polls answer', async () => {
    const holder = api.as(await runtime.token('holder'));
    const other = api.as(await runtime.token('other'));
    const polls = await Promise.all([
      holder.request('GET', '/notifications/longpoll?timeout=4'),
      holder.request('GET', '/notifications/longpoll?timeout=4'),
      holder.request('GET', '/notifications/longpoll?timeout=4'),
      other.request('GET', '/notifications/longpoll?timeout=1'),
    ]);
    const mine = polls
      .slice(0, 3)
      .map((p) => p.status)
      .sort();
    expect(mine).toEqual([200, 200, 429]);
    const refused = polls.find((p) => p.status === 429)!;
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(polls[3]!.status).toBe(200);

    expect((await holder.request('GET', '/notifications/longpoll?timeout=0')).status).toBe(200);
    expect((await holder.request('GET', '/notifications/longpoll?timeout=0')).status).toBe(200);
  });
});
