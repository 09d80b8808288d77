import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lib/local/engines.ts';
import { tables } from '../../../shared/topology.ts';
import { DynamoMessageAdmission } from '../../../shared/adapters/dynamo-message-admission-adapter.ts';
import { admissionRules, retryAfterSeconds } from '../../../shared/domain/messages.ts';
import type { Admission } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let admission: DynamoMessageAdmission;

beforeAll(async () => {
  env = await startTestEngines();
  admission = new DynamoMessageAdmission(tables.state.name, env.documentClient);
});

afterAll(async () => {
  await env?.stop();
});

const sender = () => `user#test#+1650${randomUUID().slice(0, 7)}`;
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
let ids = 0;
/** One distinct message from `s` at `now` (or `dedupKey`'s text again). */
const admit = (s: string, now: number, dedupKey: string = randomUUID(), messageId = `m${++ids}`) =>
  admission.admit({ sender: s, dedupKey, messageId, now }, admissionRules);
const kinds = (outcomes: Admission[]) => outcomes.map((o) => o.kind);

describe('DynamoMessageAdmission: the sliding window', () => {
  it('admits exactly five of twenty concurrent messages, and the sixth exactly when Retry-After says', async () => {
    const s = sender();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => admit(s, T0)));
    expect(kinds(outcomes).filter((k) => k === 'admitted')).toHaveLength(5);
    const limited = outcomes.filter((o): o is Extract<Admission, { kind: 'limited' }> => o.kind === 'limited');
    expect(limited).toHaveLength(15);
    const seconds = retryAfterSeconds(limited[0]!.retryAfterMs);
    expect(seconds).toBe(60);

    // A millisecond early is still refused; at the instant Retry-After names, one is admitted.
    expect((await admit(s, T0 + seconds * 1000 - 1)).kind).toBe('limited');
    expect(await admit(s, T0 + seconds * 1000)).toEqual({ kind: 'admitted' });
  });

  it('is a true sliding window: room frees one slot at a time as each accepted message ages out', async () => {
    const s = sender();
    // Five spread over 40 s: 0, 10, 20, 30, 40.
    for (let i = 0; i < 5; i++) expect((await admit(s, T0 + i * 10_000)).kind).toBe('admitted');
    // At 45 s the oldest (0 s) leaves at 60 s: wait 15 s. No fixed minute resets anything.
    expect(await admit(s, T0 + 45_000)).toEqual({ kind: 'limited', retryAfterMs: 15_000 });
    expect(await admit(s, T0 + 60_000)).toEqual({ kind: 'admitted' });
    expect(await admit(s, T0 + 61_000)).toEqual({ kind: 'limited', retryAfterMs: 9_000 });
  });

  it('gives a released slot back, and keeps each sender apart', async () => {
    const [a, b] = [sender(), sender()];
    for (let i = 0; i < 5; i++) await admit(a, T0 + i, randomUUID(), `a${i}`);
    expect((await admit(a, T0 + 10)).kind).toBe('limited');
    expect((await admit(b, T0 + 10)).kind).toBe('admitted');
    await admission.release(a, 'a4');
    expect((await admit(a, T0 + 10)).kind).toBe('admitted');
  });
});

describe('DynamoMessageAdmission: duplicates', () => {
  it('admits exactly one of ten concurrent identical messages and names it to the other nine, taking one slot', async () => {
    const s = sender();
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => admit(s, T0, 'same', `same-${i}`)));
    const admitted = outcomes.flatMap((o, i) => (o.kind === 'admitted' ? [`same-${i}`] : []));
    expect(admitted).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.kind !== 'admitted')) expect(o).toEqual({ kind: 'duplicate', messageId: admitted[0] });
    for (let i = 0; i < 4; i++) expect((await admit(s, T0 + 1)).kind).toBe('admitted');
    expect((await admit(s, T0 + 1)).kind).toBe('limited');
  });

  it('answers a duplicate of an accepted message within 2 s even when the window is full, and admits the text again after', async () => {
    const s = sender();
    expect((await admit(s, T0, 'hello', 'first')).kind).toBe('admitted');
    for (let i = 0; i < 4; i++) await admit(s, T0 + 100);
    expect(await admit(s, T0 + 1_999, 'hello', 'again')).toEqual({ kind: 'duplicate', messageId: 'first' });
    expect((await admit(s, T0 + 2_000, 'hello', 'later')).kind).toBe('limited');
    expect((await admit(s, T0 + 60_000, 'hello', 'later')).kind).toBe('admitted');
  });

  it('forgets the dedup entry of a released message, so a retry is not taken for its duplicate', async () => {
    const s = sender();
    expect((await admit(s, T0, 'retry me', 'lost')).kind).toBe('admitted');
    await admission.release(s, 'lost');
    expect((await admit(s, T0 + 10, 'retry me', 'retried')).kind).toBe('admitted');
  });

  it('admits a message whose write the SDK retried after it had landed, taking one slot, not refusing it as its own duplicate', async () => {
    // The first PutItem of the state is stored, then its answer is lost as a timeout is: the SDK
    // sends it again, and the repeat fails its version condition because the first succeeded.
    const dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: env.engines.dynamoEndpoint });
    const client = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    let lost = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutItemCommand' && lost++ === 0)
          throw Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: {} });
        return result;
      },
      { step: 'deserialize', name: 'loseFirstPutAnswer' },
    );
    const retried = new DynamoMessageAdmission(tables.state.name, client);
    const s = sender();
    for (let i = 0; i < 4; i++) expect((await admit(s, T0)).kind).toBe('admitted');
    expect(await retried.admit({ sender: s, dedupKey: 'fifth', messageId: 'fifth', now: T0 + 1 }, admissionRules)).toEqual({ kind: 'admitted' });
    expect(lost).toBe(2);
    // Five slots, the fifth once: a sixth message is refused, and the fifth's text is its duplicate.
    expect((await admit(s, T0 + 2)).kind).toBe('limited');
    expect(await admit(s, T0 + 3, 'fifth')).toEqual({ kind: 'duplicate', messageId: 'fifth' });
    dynamo.destroy();
  });
});
