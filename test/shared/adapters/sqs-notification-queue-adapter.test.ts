import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lib/local/engines.ts';
import { SqsNotificationQueue } from '../../../shared/adapters/sqs-notification-queue-adapter.ts';
import { TIMER_LEAD_MS } from '../../../shared/domain/timer.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

const refs = (count: number, userId = 'alice') =>
  Array.from({ length: count }, (_, i) => ({ userId, notificationId: `file-${String(i).padStart(2, '0')}-rule` }));

describe('SqsNotificationQueue on the embedded queue', () => {
  let env: TestEngines;

  beforeAll(async () => {
    env = await startTestEngines();
  });

  afterAll(async () => {
    await env?.stop();
  });

  beforeEach(async () => {
    await env.sqs.send(new PurgeQueueCommand({ QueueUrl: env.resources.queueUrls.notification }));
  });

  async function receiveAll(expected: number) {
    const bodies: unknown[] = [];
    for (let i = 0; i < 20 && bodies.length < expected; i++) {
      const out = await env.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: env.resources.queueUrls.notification, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of out.Messages ?? []) bodies.push(JSON.parse(m.Body ?? 'null'));
    }
    return bodies;
  }

  it('puts every reference on the queue, one message each, in batches of ten', async () => {
    const sent = refs(25);
    const send = vi.spyOn(env.sqs, 'send');
    await env.adapters.notificationQueue.enqueue(sent);
    const batches = send.mock.calls.map(([command]) => command).filter((c) => c instanceof SendMessageBatchCommand);
    send.mockRestore();

    expect(batches.map((c) => (c.input as SendMessageBatchCommandInput).Entries?.length)).toEqual([10, 10, 5]);
    const received = await receiveAll(25);
    expect(received).toHaveLength(25);
    expect(received).toEqual(expect.arrayContaining(sent));
    expect(new Set(received.map((r) => JSON.stringify(r))).size).toBe(25);
  });

  it("puts priority 5 and above on the priority lane, and carries a timer's due time and delay", async () => {
    await env.sqs.send(new PurgeQueueCommand({ QueueUrl: env.resources.queueUrls.priority }));
    const queue = new SqsNotificationQueue(env.resources.queueUrls.notification, env.sqs, env.resources.queueUrls.priority);
    const send = vi.spyOn(env.sqs, 'send');
    const dueAt = new Date(Date.now() + 5_500).toISOString();
    const dueInLead = new Date(Date.now() + 5_000 + TIMER_LEAD_MS / 2).toISOString();
    await queue.enqueue([
      { userId: 'alice', notificationId: 'urgent', priority: 10 },
      { userId: 'alice', notificationId: 'normal', priority: 1, dueAt, delaySeconds: 1 },
      { userId: 'alice', notificationId: 'lead', priority: 1, dueAt: dueInLead },
      { userId: 'alice', notificationId: 'far', priority: 1, dueAt: '2030-01-01T00:00:00.000Z' },
      { userId: 'alice', notificationId: 'high', priority: 5 },
    ]);
    const inputs = send.mock.calls.map(([command]) => command.input as SendMessageBatchCommandInput);
    send.mockRestore();
    // The delay is counted from the send to SQS, less the sender's lead, rounded up, and stops at 15 minutes.
    expect(inputs.find((i) => i.QueueUrl === env.resources.queueUrls.notification)?.Entries).toMatchObject([
      { MessageBody: JSON.stringify({ userId: 'alice', notificationId: 'normal', dueAt }), DelaySeconds: 6 },
      { DelaySeconds: 5 },
      { DelaySeconds: 900 },
    ]);
    const urgent = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: env.resources.queueUrls.priority, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((urgent.Messages ?? []).map((m) => JSON.parse(m.Body!).notificationId).sort()).toEqual(['high', 'urgent']);
  });

  it('sends nothing for no references', async () => {
    const send = vi.spyOn(env.sqs, 'send');
    await env.adapters.notificationQueue.enqueue([]);
    expect(send).not.toHaveBeenCalled();
    send.mockRestore();
  });
});

describe('SqsNotificationQueue when SQS reports failed entries', () => {
  const client = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const sqs = mockClient(client);
  const queueUrl = 'https://sqs.us-east-1.amazonaws.com/000000000000/notification';
  const queue = new SqsNotificationQueue(queueUrl, client);

  beforeEach(() => {
    sqs.reset();
  });

  const entriesOf = (call: number) => sqs.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? [];
  const succeedAll = (input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  });

  it('resends only the entry a batch reported as failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: ['0', '1', '2', '4'].map((Id) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: 'x' })),
        Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError' }],
      })
      .callsFake(succeedAll);
    const sent = refs(5);

    await queue.enqueue(sent);

    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    expect(entriesOf(0)).toHaveLength(5);
    expect(entriesOf(1)).toEqual([{ Id: '3', MessageBody: JSON.stringify(sent[3]) }]);
    expect(entriesOf(0).every((e) => e.MessageBody === JSON.stringify(sent[Number(e.Id)]))).toBe(true);
    expect(sqs.commandCalls(SendMessageBatchCommand).every((c) => c.args[0].input.QueueUrl === queueUrl)).toBe(true);
  });

  it('resends within the failing batch only, leaving other batches alone', async () => {
    let failedOnce = false;
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const failing = (input.Entries ?? []).find((e) => e.MessageBody?.includes('file-12-'));
      if (!failing || failedOnce) return succeedAll(input);
      failedOnce = true;
      return {
        Successful: (input.Entries ?? []).filter((e) => e !== failing).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
        Failed: [{ Id: failing.Id, SenderFault: false, Code: 'ServiceUnavailable' }],
      };
    });

    await queue.enqueue(refs(15));

    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length).sort((a, b) => a - b)).toEqual([1, 5, 10]);
    expect(calls.find((entries) => entries.length === 1)?.[0]?.MessageBody).toBe(JSON.stringify(refs(15)[12]));
  });

  it('throws when an entry still fails after its retries', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).filter((e) => e.Id !== '1').map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
      Failed: (input.Entries ?? []).filter((e) => e.Id === '1').map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError' })),
    }));

    await expect(queue.enqueue(refs(3))).rejects.toThrow(/Could not enqueue 1 notification/);
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(3);
    expect(calls.slice(1).map((c) => c.args[0].input.Entries?.map((e) => e.Id))).toEqual([['1'], ['1']]);
  });

  it('throws when SQS refuses the request itself, as when throttled', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(queue.enqueue(refs(2))).rejects.toThrow('Rate exceeded');
  });
});
