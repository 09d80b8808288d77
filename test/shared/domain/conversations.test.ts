import { describe, expect, it } from 'vitest';
import { answerMissedCall, handOff, renderReply, type VoiceWorkerDeps } from '../../../shared/domain/conversations.ts';
import { RetryLaterError } from '../../../shared/errors.ts';
import type { CallRecord, ConversationRecord, ConversationRepository, LineRecord } from '../../../shared/ports.ts';
import { FakeOptOutRepository } from '../../support/fake-ports.ts';

const line: LineRecord = {
  userId: 'u1',
  lineId: 'L1',
  number: '+15005550006',
  forwardTo: '+14155550199',
  businessName: 'Acme',
  ringSeconds: 20,
  missedCallReply: 'Sorry {{callerNumber}}, {{businessName}} missed you.',
  voicemail: true,
  replyWindowHours: 24,
  handoffUrl: 'https://example.com/handoff',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
};

/** The voice worker's ports in memory, with the conditional writes' rules. */
function world() {
  const calls = new Map<string, CallRecord>();
  const conversations = new Map<string, ConversationRecord & { handoffBy?: string }>();
  const guards = new Map<string, { callId: string; until: number }>();
  const sends: Array<{ to: string; body?: string; idempotencyKey?: string }> = [];
  const delivered: Array<Record<string, unknown>> = [];
  const published: Array<Record<string, unknown>> = [];
  let lineNow: LineRecord = line;
  const timers: unknown[] = [];
  let failDeliveries = 0;
  const optOuts = new FakeOptOutRepository();
  const deps: VoiceWorkerDeps = {
    calls: {
      get: async (id) => calls.get(id),
      recordAutoReply: async (id, outcome) => void calls.set(id, { ...calls.get(id)!, ...outcome }),
    } as VoiceWorkerDeps['calls'],
    lines: { get: async () => lineNow } as unknown as VoiceWorkerDeps['lines'],
    conversations: {
      openFor: async (input) => {
        const open = [...conversations.values()].find((c) => c.lineId === input.lineId && c.customer === input.customer && c.status === 'open');
        if (open) return open;
        const fresh = { ...input, status: 'open' as const, needsAttention: false, lastMessageAt: input.at, createdAt: input.at };
        conversations.set(fresh.conversationId, fresh);
        return fresh;
      },
      get: async (id) => conversations.get(id),
      addMessage: async () => true,
      messages: async () => [{ messageId: 'm1', direction: 'inbound' as const, body: 'Hello?', at: '2030-01-01T00:00:00.000Z' }],
      raiseHandoff: async (id, since, timerId) => {
        const c = conversations.get(id)!;
        if (c.awaitingReplySince !== since || (c.handoffFor === since && c.handoffBy !== timerId)) return false;
        conversations.set(id, { ...c, needsAttention: true, handoffFor: since, handoffBy: timerId });
        return true;
      },
      markHandoffSent: async (id, since) => void conversations.set(id, { ...conversations.get(id)!, handoffSentFor: since }),
      markHandoffPublished: async (id, since) => void conversations.set(id, { ...conversations.get(id)!, handoffPublishedFor: since }),
    } satisfies Pick<
      ConversationRepository,
      'openFor' | 'get' | 'addMessage' | 'messages' | 'raiseHandoff' | 'markHandoffSent' | 'markHandoffPublished'
    > as unknown as ConversationRepository,
    guard: {
      take: async (lineId, caller, callId, now, expiresAt) => {
        const held = guards.get(`${lineId}#${caller}`);
        if (held && held.until > now && held.callId !== callId) return false;
        guards.set(`${lineId}#${caller}`, { callId, until: expiresAt });
        return true;
      },
    },
    optOuts,
    send: async (userId, request, opts) => {
      sends.push(request);
      const at = '2030-01-01T00:00:00.000Z';
      const notificationId = `N${sends.length}`;
      return {
        statusCode: 201,
        notification: {
          userId,
          notificationId,
          source: opts.source,
          from: opts.from,
          channel: 'sms',
          target: request.to,
          status: 'pending',
          attempts: 0,
          createdAt: at,
          updatedAt: at,
          history: [],
          body: request.body,
        },
      };
    },
    tasks: { enqueue: async (task) => void timers.push(task) },
    handoff: {
      deliver: async (_url, event) => {
        if (failDeliveries > 0) {
          failDeliveries -= 1;
          throw new Error('HTTP 500');
        }
        delivered.push(event);
      },
    },
    events: { publish: async (event) => void published.push(event) },
    handoffAfterSeconds: 60,
    adoption: {} as VoiceWorkerDeps['adoption'],
  };
  const missed = (callId: string, from = '+14155550123') =>
    calls.set(callId, { callId, userId: 'u1', lineId: 'L1', from, to: line.number, status: 'missed', startedAt: '2030-01-01T00:00:00.000Z' });
  const waiting = (id: string, since: string) =>
    conversations.set(id, {
      conversationId: id,
      userId: 'u1',
      lineId: 'L1',
      customer: '+14155550123',
      status: 'open',
      needsAttention: false,
      lastMessageAt: since,
      createdAt: since,
      awaitingReplySince: since,
    });
  return {
    deps,
    calls,
    conversations,
    sends,
    delivered,
    published,
    optOuts,
    missed,
    waiting,
    failNext: (n: number) => (failDeliveries = n),
    setLine: (changed: LineRecord) => (lineNow = changed),
  };
}

const clock = () => new Date('2030-01-01T00:00:00.000Z');

describe('missed-call auto-reply', () => {
  it('fills in the reply, sends it from the line once, and a redelivered task sends nothing more', async () => {
    const w = world();
    w.missed('CA1');
    expect(await answerMissedCall(w.deps, 'CA1', clock)).toBe('sent');
    expect(await answerMissedCall(w.deps, 'CA1', clock)).toBe('done');
    expect(w.sends).toEqual([{ to: '+14155550123', body: 'Sorry +14155550123, Acme missed you.', idempotencyKey: 'missed-call:CA1' }]);
    expect(w.calls.get('CA1')!.autoReply).toEqual({ notificationId: 'N1', status: 'pending' });
  });

  it('retries a task that stopped after holding the window: the same call takes it again', async () => {
    const w = world();
    w.missed('CA1');
    await w.deps.guard.take('L1', '+14155550123', 'CA1', 0, Number.MAX_SAFE_INTEGER);
    expect(await answerMissedCall(w.deps, 'CA1', clock)).toBe('sent');
  });

  it('skips a caller within the reply window of another call, and one who opted out', async () => {
    const w = world();
    w.missed('CA1');
    w.missed('CA2');
    await answerMissedCall(w.deps, 'CA1', clock);
    expect(await answerMissedCall(w.deps, 'CA2', clock)).toBe('reply-window');
    w.missed('CA3', '+14155550777');
    await w.optOuts.add({ phone: '+14155550777', source: 'keyword', at: '2030-01-01T00:00:00.000Z' });
    expect(await answerMissedCall(w.deps, 'CA3', clock)).toBe('opted-out');
    expect(w.sends).toHaveLength(1);
    expect(w.calls.get('CA3')!.autoReplySkipped).toBe('opted-out');
  });

  it('texts nobody when the caller withheld their number', async () => {
    const w = world();
    w.missed('CA1', 'anonymous');
    expect(await answerMissedCall(w.deps, 'CA1', clock)).toBe('no-caller-id');
    expect(w.sends).toEqual([]);
  });

  it('uses "we" when the line has no business name', () => {
    expect(renderReply('{{ businessName }} will call {{callerNumber}}.', { callerNumber: '+1' })).toBe('we will call +1.');
  });
});

describe('hand-off timers', () => {
  const since = '2030-01-01T00:00:00.000Z';

  it('fires once for a message still waiting, however many timers come for it', async () => {
    const w = world();
    w.waiting('C1', since);
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't1' }, clock)).toBe('handed-off');
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't2' }, clock)).toBe('answered');
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't1' }, clock)).toBe('answered');
    expect(w.delivered).toHaveLength(1);
    expect(w.delivered[0]).toMatchObject({ id: `C1:${since}`, type: 'conversation.needs_attention', customer: '+14155550123' });
    expect(w.conversations.get('C1')!.needsAttention).toBe(true);
    // The same event on the event bus, once, naming the line's owner for the bus's subscribers.
    expect(w.published).toEqual([{ ...w.delivered[0], userId: 'u1' }]);
  });

  it('publishes on the event bus when the line has no handoffUrl, and posts nothing', async () => {
    const w = world();
    const { handoffUrl: _none, ...withoutUrl } = line;
    w.setLine(withoutUrl);
    w.waiting('C1', since);
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't1' }, clock)).toBe('handed-off');
    expect(w.delivered).toEqual([]);
    expect(w.published).toHaveLength(1);
    expect(w.published[0]).toMatchObject({
      id: `C1:${since}`,
      conversationId: 'C1',
      lineNumber: line.number,
      messages: [{ direction: 'inbound', body: 'Hello?' }],
    });
  });

  it('does nothing when the business answered meanwhile', async () => {
    const w = world();
    w.waiting('C1', since);
    w.conversations.set('C1', { ...w.conversations.get('C1')!, awaitingReplySince: undefined });
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't1' }, clock)).toBe('answered');
    expect(w.delivered).toEqual([]);
  });

  it('asks for a retry when delivery fails; only the timer that raised it delivers on the retry', async () => {
    const w = world();
    w.waiting('C1', since);
    w.failNext(1);
    await expect(handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't1' }, clock)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't2' }, clock)).toBe('raised-elsewhere');
    expect(await handOff(w.deps, { kind: 'handoff', conversationId: 'C1', since, timerId: 't1' }, clock)).toBe('handed-off');
    expect(w.delivered).toHaveLength(1);
    // The bus got the event with the first attempt; the retries of the POST do not publish it again.
    expect(w.published).toHaveLength(1);
  });
});
