import { describe, expect, it } from 'vitest';
import { GiveUpError } from '../../../shared/errors.ts';
import { ingestRecordBody } from '../../../shared/schemas/ingest-record.schema.ts';
import { notificationRefBody } from '../../../shared/schemas/notification-ref.schema.ts';
import { asciiJson, deadLetterBody } from '../../../shared/schemas/queue-body.ts';
import { statusCallbackBody } from '../../../shared/schemas/status-callback.schema.ts';
import { voiceTaskBody } from '../../../shared/schemas/voice-task.schema.ts';

/** The GiveUpError a consumer's parse throws for `body`, or undefined when it parses. */
function refusal(parse: (body: string) => unknown, body: string): GiveUpError | undefined {
  try {
    parse(body);
    return undefined;
  } catch (err) {
    if (err instanceof GiveUpError) return err;
    throw err;
  }
}

const message = {
  owner: 'user#u-1',
  messageId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
  from: '+14155550100',
  to: '+14155550111',
  message: 'Grüße 👋 from the café',
  receivedAt: '2026-12-01T02:00:00.000Z',
  status: 'received' as const,
  source: 'twilio' as const,
  media: [{ mediaId: 'a'.repeat(64), contentType: 'image/png', sizeBytes: 1234 }],
  messageSid: `SM${'0'.repeat(32)}`,
};

describe('queue bodies: what the producer builds is what the consumer parses', () => {
  it('notification references, plain, with a booked slot and with a timer’s due time', () => {
    for (const ref of [
      { userId: 'u-1', notificationId: 'n-1' },
      { userId: 'u-1', notificationId: 'n-1', notBefore: 1_764_554_400_123 },
      { userId: 'u-1', notificationId: 'n-1', dueAt: '2026-12-01T03:00:00.000Z' },
    ]) {
      expect(notificationRefBody.parse(notificationRefBody.build(ref))).toEqual(ref);
    }
  });

  it('a notification reference redriven from the dead-letter queue reads as the reference it carries', () => {
    const letter = deadLetterBody.build({
      payload: { userId: 'u-1', notificationId: 'n-1' },
      status: 'failed',
      error: 'Gave up.',
      retryCount: 5,
      failedAt: '2026-12-01T02:00:00.000Z',
    });
    expect(notificationRefBody.parse(letter)).toEqual({ userId: 'u-1', notificationId: 'n-1' });
  });

  it('status callbacks, with and without the notification the URL named', () => {
    for (const callback of [
      { messageSid: 'SM1', messageStatus: 'delivered' },
      { messageSid: 'SM1', messageStatus: 'undelivered', errorCode: '30003', ref: { userId: 'u-1', notificationId: 'n-1' } },
    ]) {
      expect(statusCallbackBody.parse(statusCallbackBody.build(callback))).toEqual(callback);
    }
  });

  it('messages to process, non-ASCII text included, sent as ASCII that SQS takes', () => {
    const body = ingestRecordBody.build(message);
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    expect(ingestRecordBody.parse(body)).toEqual(message);
  });

  it('every kind of voice task, hand-off timers included', () => {
    for (const task of [
      { kind: 'missed-call' as const, callId: `CA${'1'.repeat(32)}` },
      { kind: 'inbound' as const, userId: 'u-1', lineId: 'l-1', from: '+14155550100', body: 'Hi ✓', messageSid: 'SM1', receivedAt: '2026-12-01T02:00:00.000Z' },
      { kind: 'handoff' as const, conversationId: 'c-1', since: '2026-12-01T02:00:00.000Z', timerId: 't-1' },
      { kind: 'adopt' as const, number: '+14155550111', userId: 'u-1' },
    ]) {
      expect(voiceTaskBody.parse(voiceTaskBody.build(task))).toEqual(task);
    }
  });

  it('dead letters, as the consumer writes them and the operator commands read them', () => {
    const letter = {
      payload: 'not json',
      status: 'malformed_record',
      error: 'The record body is not JSON, so not a voice task.',
      cause: 'SyntaxError: Unexpected token',
      retryCount: 1,
      failedAt: '2026-12-01T02:00:00.000Z',
    };
    expect(deadLetterBody.parse(deadLetterBody.build(letter))).toEqual(letter);
  });

  it('escapes only what lies outside ASCII, and JSON.parse restores it', () => {
    expect(asciiJson({ a: 'é😀' })).toBe('{"a":"\\u00e9\\ud83d\\ude00"}');
    expect(JSON.parse(asciiJson({ a: 'é😀' }))).toEqual({ a: 'é😀' });
  });
});

describe('queue bodies: refusals', () => {
  const cases: Array<[string, (body: string) => unknown, string]> = [
    ['notification reference', notificationRefBody.parse, '{"userId":"u-1"}'],
    ['notification reference', notificationRefBody.parse, '{"userId":"u-1","notificationId":"n-1","notBefore":"soon"}'],
    ['status callback', statusCallbackBody.parse, '{"messageSid":"SM1","messageStatus":""}'],
    ['status callback', statusCallbackBody.parse, '{"messageSid":"SM1","messageStatus":"sent","ref":{"userId":"u-1"}}'],
    ['message to process', ingestRecordBody.parse, JSON.stringify({ ...message, status: 'processed' })],
    ['message to process', ingestRecordBody.parse, JSON.stringify({ ...message, receivedAt: 'yesterday' })],
    ['voice task', voiceTaskBody.parse, '{"kind":"voicemail","callId":"CA1"}'],
    ['voice task', voiceTaskBody.parse, '{"kind":"handoff","conversationId":"c-1"}'],
  ];

  it.each(cases)('a %s the schema refuses gives up at once as malformed, the parser’s error as the cause', (_what, parse, body) => {
    const err = refusal(parse, body);
    expect(err).toBeInstanceOf(GiveUpError);
    expect(err!.outcome).toEqual({ status: 'malformed_record', attempts: 1 });
    expect(err!.message).toMatch(/^The record body is not an? /);
    expect(err!.cause).toBeDefined();
  });

  it('a body that is not JSON gives up at once too', () => {
    for (const parse of [notificationRefBody.parse, statusCallbackBody.parse, ingestRecordBody.parse, voiceTaskBody.parse]) {
      const err = refusal(parse, '{"userId":');
      expect(err?.message).toMatch(/^The record body is not JSON, so not /);
      expect(err?.outcome.attempts).toBe(1);
    }
  });

  it('a producer cannot build a body its consumer would refuse', () => {
    expect(() => notificationRefBody.build({ userId: '', notificationId: 'n-1' })).toThrow();
    expect(() => statusCallbackBody.build({ messageSid: 'SM1', messageStatus: '' })).toThrow();
    expect(() => ingestRecordBody.build({ ...message, receivedAt: 'yesterday' })).toThrow();
    expect(() => voiceTaskBody.build({ kind: 'handoff', conversationId: 'c-1' } as never)).toThrow();
  });
});
