import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { appendCorrelation, correlationOf, logger, maskPhones, withCorrelation, withInvocation } from '../../shared/logger.ts';

const context = (functionName: string, awsRequestId: string) => ({ functionName, awsRequestId }) as Context;

// Powertools writes INFO and below to stdout, WARN and above to stderr; the test reads both, in order.
let written: string[];
let spies: MockInstance<typeof process.stdout.write>[];
let level: ReturnType<typeof logger.getLevelName>;
const lines = () => written.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);

beforeEach(() => {
  level = logger.getLevelName();
  logger.setLogLevel('DEBUG');
  written = [];
  spies = [process.stdout, process.stderr].map((stream) => vi.spyOn(stream, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0));
});
afterEach(() => {
  for (const spy of spies) spy.mockRestore();
  logger.setLogLevel(level);
});

describe('logger', () => {
  it('puts the Lambda context and the correlation keys on every line of an invocation, and only there', async () => {
    await withInvocation(context('logger-test-a', 'req-1'), () =>
      withCorrelation({ notificationId: 'n-1' }, async () => {
        logger.info('first');
        appendCorrelation({ messageSid: 'SM1' });
        logger.warn('second', new Error('boom'));
      }),
    );
    await withInvocation(context('logger-test-a', 'req-2'), async () => logger.info('next invocation'));
    logger.info('outside');

    const [first, second, next, outside] = lines();
    expect(first).toMatchObject({ message: 'first', function_name: 'logger-test-a', function_request_id: 'req-1', cold_start: true, notificationId: 'n-1' });
    expect(first).not.toHaveProperty('messageSid');
    expect(second).toMatchObject({ message: 'second', notificationId: 'n-1', messageSid: 'SM1', error: { message: 'boom' } });
    expect(next).toMatchObject({ function_request_id: 'req-2', cold_start: false });
    expect(next).not.toHaveProperty('notificationId');
    expect(outside).not.toHaveProperty('function_request_id');
  });

  it('keeps the keys of records handled side by side apart', async () => {
    await withInvocation(context('logger-test-b', 'req-3'), () =>
      Promise.all(
        ['n-a', 'n-b'].map((notificationId) =>
          withCorrelation({ notificationId }, async () => {
            await new Promise((resolve) => setImmediate(resolve));
            logger.info(`handling ${notificationId}`);
          }),
        ),
      ),
    );
    for (const line of lines()) expect(line.message).toBe(`handling ${line.notificationId}`);
  });

  it('lets a line name its own value for a key the scope also has', async () => {
    await withCorrelation({ messageSid: 'SM-scope' }, async () => logger.info('own', { messageSid: 'SM-own' }));
    expect(lines()[0]).toMatchObject({ messageSid: 'SM-own' });
  });

  it('masks phone numbers to their last four digits in the message, fields and errors', () => {
    logger.info('sent to +15551234567', { to: 'whatsapp:+447700900123', url: 'https://x/?To=%2B15559876543', count: 12345678 });
    logger.error('failed', new Error('Twilio refused +15550001111'));
    const text = written.join('');
    expect(text).not.toMatch(/\+1555|\+4477|%2B1555/);
    const [sent, failed] = lines();
    expect(sent).toMatchObject({ message: 'sent to …4567', to: 'whatsapp:…0123', url: 'https://x/?To=…6543', count: 12345678 });
    expect(failed).toMatchObject({ error: { message: 'Twilio refused …1111' } });
  });

  it('masks numbers the way activity lines show them', () => {
    expect(maskPhones('from +15551234567 to +15557654321')).toBe('from …4567 to …4321');
    expect(maskPhones('SM0123456789abcdef and 2026-11-30')).toBe('SM0123456789abcdef and 2026-11-30');
  });

  it('finds the correlation keys a queue message or a dead letter names', () => {
    expect(correlationOf({ userId: 'u', notificationId: 'n-1', notBefore: 5 })).toEqual({ notificationId: 'n-1' });
    expect(correlationOf({ payload: { notificationId: 'n-2' }, error: 'x' })).toEqual({ notificationId: 'n-2' });
    expect(correlationOf({ messageSid: 'SM1', fileId: '', callSid: 7 })).toEqual({ messageSid: 'SM1' });
    expect(correlationOf('not json')).toEqual({});
  });
});
