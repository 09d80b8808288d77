import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoCircuitBreaker } from '../../../shared/adapters/dynamo-circuit-breaker-adapter.ts';
import { setMetricSink, type MetricSink } from '../../../shared/metrics.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
const recorded: Parameters<MetricSink>[] = [];
const THRESHOLD = 3;
const COOLDOWN_MS = 30_000;
const t0 = 1_800_000_000_000;

beforeAll(async () => {
  env = await startTestEngines();
  setMetricSink((...args) => recorded.push(args));
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(async () => {
  // The breaker is one item shared by every sender: each test starts from a closed one.
  await env.documentClient.send(new DeleteCommand({ TableName: env.resources.tableNames.state, Key: { pk: 'CIRCUIT', sk: 'twilio' } }));
  recorded.length = 0;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A sender's breaker, as each sender Lambda makes its own. */
const sender = () => new DynamoCircuitBreaker(THRESHOLD, COOLDOWN_MS, env.resources.tableNames.state, env.documentClient);
const opens = () => recorded.filter(([name]) => name === 'BreakerOpens').length;

describe('DynamoCircuitBreaker', () => {
  it('starts closed', async () => {
    expect(await sender().openFor(t0)).toBe(0);
  });

  it('opens for the cool-down after the threshold of failures in a row, counted once, for every sender', async () => {
    const a = sender();
    for (let i = 0; i < THRESHOLD - 1; i++) await a.recordFailure(t0 + i);
    expect(await a.openFor(t0 + 10)).toBe(0);
    await a.recordFailure(t0 + 10);
    expect(await a.openFor(t0 + 10)).toBe(COOLDOWN_MS);
    expect(await a.openFor(t0 + 10_010)).toBe(COOLDOWN_MS - 10_000);
    expect(opens()).toBe(1);
    // Another sender, reading the shared item, holds back too.
    expect(await sender().openFor(t0 + 20)).toBe(COOLDOWN_MS - 10);
  });

  it('counts failures from every sender together', async () => {
    const [a, b, c] = [sender(), sender(), sender()];
    await a.recordFailure(t0);
    await b.recordFailure(t0 + 1);
    await c.recordFailure(t0 + 2);
    expect(await sender().openFor(t0 + 3)).toBe(COOLDOWN_MS - 1);
    expect(opens()).toBe(1);
  });

  it('lets a send through after the cool-down, and re-opens at once when it fails', async () => {
    const a = sender();
    for (let i = 0; i < THRESHOLD; i++) await a.recordFailure(t0);
    const after = t0 + COOLDOWN_MS;
    expect(await a.openFor(after)).toBe(0);
    await a.recordFailure(after + 5);
    expect(await a.openFor(after + 5)).toBe(COOLDOWN_MS);
    expect(opens()).toBe(2);
  });

  it('closes on a success after the cool-down: the count starts again', async () => {
    const a = sender();
    for (let i = 0; i < THRESHOLD; i++) await a.recordFailure(t0);
    await a.recordSuccess();
    const other = sender();
    expect(await other.openFor(t0 + 1)).toBe(0);
    await other.recordFailure(t0 + 2);
    expect(await other.openFor(t0 + 2)).toBe(0);
  });

  it('reads the shared item at most once a second, and writes nothing for a success on a healthy path', async () => {
    const a = sender();
    const send = vi.spyOn(env.documentClient, 'send');
    await a.openFor(t0);
    await a.openFor(t0 + 500);
    await a.openFor(t0 + 1000);
    expect(send).toHaveBeenCalledTimes(1);
    await a.recordSuccess();
    expect(send).toHaveBeenCalledTimes(1);
    await a.openFor(t0 + 1001);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('keeps a failing read from the table as the caller’s error, so the record is retried', async () => {
    vi.spyOn(env.documentClient, 'send').mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException') as never);
    await expect(sender().openFor(t0)).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});
