import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoUserRateLimiter, USER_RATE_PARTITION } from '../../../shared/adapters/dynamo-user-rate-limiter-adapter.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let now = 1_000_000;
const clock = () => now;

beforeAll(async () => {
  env = await startTestEngines();
});

afterAll(async () => {
  await env?.stop();
});

const limiter = (perSecond: number, burst: number) => new DynamoUserRateLimiter(perSecond, burst, env.resources.tableNames.state, env.documentClient, clock);

describe('DynamoUserRateLimiter: a GCRA token bucket per user', () => {
  it('admits a burst, then refuses with the seconds until the next token, then refills with time', async () => {
    const limit = limiter(1, 3);
    const user = `user-${now}`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limit.admit(user));
    expect(answers.map((a) => a.admitted)).toEqual([true, true, true, false]);
    expect(answers[3]).toEqual({ admitted: false, retryAfterSeconds: 1 });
    now += 1_000;
    expect(await limit.admit(user)).toEqual({ admitted: true });
    expect((await limit.admit(user)).admitted).toBe(false);
  });

  it('keeps users apart: one user’s flood leaves another’s bucket full', async () => {
    const limit = limiter(1, 2);
    const [flooder, other] = [`flooder-${now}`, `other-${now}`];
    for (let i = 0; i < 10; i++) await limit.admit(flooder);
    expect(await limit.admit(other)).toEqual({ admitted: true });
    expect(await limit.admit(other)).toEqual({ admitted: true });
  });

  it('admits every one of concurrent first requests within the burst', async () => {
    const limit = limiter(20, 100);
    const answers = await Promise.all(Array.from({ length: 10 }, () => limit.admit(`eager-${now}`)));
    expect(answers.every((a) => a.admitted)).toBe(true);
  });

  it('admits no more than the burst when requests race', async () => {
    const limit = limiter(0.001, 5);
    const user = `racer-${now}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => limit.admit(user)));
    expect(answers.filter((a) => a.admitted)).toHaveLength(5);
  });

  it('judges a request by the clock after it read the bucket, so a slow request is not refused for a later one', async () => {
    // One token a second, two at once: the schedule may run one second ahead of now.
    const user = `slow-${now}`;
    const started = now;
    // Another request, admitted two seconds after this one read the clock, left the schedule at started + 3 s.
    await limiter(1, 2).admit(user);
    await env.documentClient.send(
      new UpdateCommand({
        TableName: env.resources.tableNames.state,
        Key: { pk: USER_RATE_PARTITION, sk: user },
        UpdateExpression: 'SET gate = :g',
        ExpressionAttributeValues: { ':g': started + 3_000 },
      }),
    );
    // This one read the clock at `started`, then waited for its first write; by its read, it is started + 2 s.
    let reads = 0;
    const slow = new DynamoUserRateLimiter(1, 2, env.resources.tableNames.state, env.documentClient, () => (reads++ === 0 ? started : started + 2_000));
    expect(await slow.admit(user)).toEqual({ admitted: true });
  });
});
