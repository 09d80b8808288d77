import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  // A small bucket, so the test reaches its end in a few requests.
  Object.assign(process.env, { USER_RATE_PER_SECOND: '0.01', USER_RATE_BURST: '3' });
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
  delete process.env.USER_RATE_PER_SECOND;
  delete process.env.USER_RATE_BURST;
});

describe('per-user rate limit on the user routes', () => {
  it('answers 429 RATE_LIMITED with Retry-After once a user’s bucket is empty, and stores nothing', async () => {
    const flooder = api.as(await runtime.token('flooder'));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await flooder.request('GET', '/rules')).status);
    expect(statuses).toEqual([200, 200, 200]);

    const refused = await flooder.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('leaves other users their own bucket: one client cannot starve the rest', async () => {
    const other = api.as(await runtime.token('patient'));
    expect((await other.request('GET', '/rules')).status).toBe(200);
    expect((await other.request('GET', '/rules')).body.items).toEqual([]);
  });
});
