import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCallRepository } from '../../../shared/adapters/dynamo-call-repository-adapter.ts';
import { callEnded, dialEnded, STANDIN_TASK_DELAY_SECONDS } from '../../../shared/domain/calls.ts';
import type { CallRecord, VoiceTask, VoiceTaskQueue } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

/** The voice queue, as the webhooks use it: what was queued, with its delay. */
class QueuedTasks implements VoiceTaskQueue {
  readonly queued: Array<{ task: VoiceTask; delaySeconds?: number }> = [];
  async enqueue(task: VoiceTask, delaySeconds?: number): Promise<void> {
    this.queued.push({ task, ...(delaySeconds !== undefined ? { delaySeconds } : {}) });
  }
}

let engines: TestEngines;
let calls: DynamoCallRepository;

beforeAll(async () => {
  engines = await startTestEngines();
  calls = new DynamoCallRepository(engines.resources.tableNames.voice, engines.documentClient);
});

afterAll(async () => {
  await engines?.stop();
});

const ringing = (overrides: Partial<CallRecord> = {}): CallRecord => ({
  callId: `CA${randomBytes(16).toString('hex')}`,
  userId: 'calls-test',
  lineId: 'line-1',
  from: '+16505550100',
  to: '+16285550100',
  status: 'ringing',
  startedAt: '2030-01-01T00:00:00.000Z',
  ...overrides,
});

const ended = (callId: string) => ({ callSid: callId, callStatus: 'completed', durationSeconds: 12 });

describe("a call's final status callback", () => {
  it('answers a call still ringing at its end (its dial-status never came) at once', async () => {
    const tasks = new QueuedTasks();
    const call = await calls.startIfAbsent(ringing());
    await callEnded({ calls, tasks }, ended(call.callId));
    expect(tasks.queued).toEqual([{ task: { kind: 'missed-call', callId: call.callId } }]);
    expect(await calls.get(call.callId)).toMatchObject({ status: 'missed', durationSeconds: 12 });
  });

  it('leaves a missed call its dial-status queued to that task, standing in for it only after a delay', async () => {
    const tasks = new QueuedTasks();
    const call = await calls.startIfAbsent(ringing());
    await dialEnded({ calls, tasks, lines: { claimOf: async () => undefined, get: async () => undefined } }, { callSid: call.callId, dialStatus: 'no-answer' });
    await callEnded({ calls, tasks }, ended(call.callId));
    expect(tasks.queued).toEqual([
      { task: { kind: 'missed-call', callId: call.callId } },
      { task: { kind: 'missed-call', callId: call.callId }, delaySeconds: STANDIN_TASK_DELAY_SECONDS },
    ]);
  });

  it('stands in after a delay for a voicemail left after the forwarded leg went unanswered', async () => {
    const tasks = new QueuedTasks();
    const call = await calls.startIfAbsent(ringing());
    await calls.settle(call.callId, { status: 'missed', dialStatus: 'no-answer' });
    await calls.recordVoicemail(call.callId, { url: 'https://api.twilio.com/recording', seconds: 9 });
    expect((await calls.get(call.callId))?.status).toBe('voicemail');
    await callEnded({ calls, tasks }, ended(call.callId));
    expect(tasks.queued).toEqual([{ task: { kind: 'missed-call', callId: call.callId }, delaySeconds: STANDIN_TASK_DELAY_SECONDS }]);
  });

  it('stands in after a delay for a call missed outside business hours, whose task was queued when it came in', async () => {
    const tasks = new QueuedTasks();
    const call = await calls.startIfAbsent(ringing({ status: 'missed', afterHours: true }));
    await callEnded({ calls, tasks }, ended(call.callId));
    expect(tasks.queued).toEqual([{ task: { kind: 'missed-call', callId: call.callId }, delaySeconds: STANDIN_TASK_DELAY_SECONDS }]);
  });

  it('queues nothing for a call whose reply is recorded, or that was answered', async () => {
    const tasks = new QueuedTasks();
    const replied = await calls.startIfAbsent(ringing());
    await calls.settle(replied.callId, { status: 'missed', dialStatus: 'busy' });
    await calls.recordAutoReply(replied.callId, { autoReply: { notificationId: 'n-1', status: 'queued' } });
    const answered = await calls.startIfAbsent(ringing());
    await calls.settle(answered.callId, { status: 'answered', dialStatus: 'completed' });
    await callEnded({ calls, tasks }, ended(replied.callId));
    await callEnded({ calls, tasks }, ended(answered.callId));
    expect(tasks.queued).toEqual([]);
  });
});
