import { DeleteCommand, type GetCommand, type UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tables } from '../../../shared/topology.ts';
import { DynamoRateLimiter } from '../../../shared/adapters/dynamo-rate-limiter-adapter.ts';
import type { Pace } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;

beforeAll(async () => {
  env = await startTestEngines();
});

afterAll(async () => {
  await env?.stop();
});

beforeEach(async () => {
  await env.documentClient.send(new DeleteCommand({ TableName: tables.state.name, Key: { pk: 'RATE', sk: 'twilio-messages' } }));
});

/** A gate letting `burst` sends through at once: the schedule may run (burst - 1) intervals ahead. */
const limiter = (rate: number, burst: number) => new DynamoRateLimiter(rate, ((burst - 1) * 1000) / rate, tables.state.name, env.documentClient);
const waits = (paces: Pace[]) => paces.filter((p): p is Extract<Pace, { kind: 'wait' }> => p.kind === 'wait').map((p) => ({ until: p.until, slot: p.slot! }));

describe('DynamoRateLimiter', () => {
  it('lets a message go at once when the account is idle', async () => {
    const sender = limiter(10, 5);
    expect(await sender.turn(Date.now())).toEqual({ kind: 'send' });
    expect(await sender.acquire(Date.now())).toEqual({ kind: 'send' });
  });

  it('admits a burst at once and books everyone else distinct slots one interval apart, across senders', async () => {
    // Three senders, as three Lambda environments would hold three limiters, sharing one item.
    // One a second, so that however slow the engine is, no slot opens while they ask.
    const senders = [0, 1, 2].map(() => limiter(1, 4));
    const started = Date.now();
    const paces = await Promise.all(senders.flatMap((s) => Array.from({ length: 20 }, () => s.acquire(started))));

    expect(paces.filter((p) => p.kind === 'send')).toHaveLength(4);
    const slots = waits(paces)
      .map((p) => p.slot)
      .sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(56);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(999);
    // The first booking comes after the burst's sends have used the gate's time.
    expect(slots[0]!).toBeGreaterThanOrEqual(started + 4 * 1000 - 5);
    for (const p of paces) if (p.kind === 'wait') expect(p.until).toBe(p.slot);
  });

  it('admits every booked message that comes back at its slot, and no new one ahead of them', async () => {
    let now = Date.now();
    const sender = new DynamoRateLimiter(10, 100, tables.state.name, env.documentClient, () => now);
    const first = await Promise.all(Array.from({ length: 12 }, () => sender.acquire(now)));
    const booked = waits(first);
    expect(booked).toHaveLength(10);

    // A new message while the backlog is booked takes a slot after it, even when the gate has room.
    now += 150;
    const last = Math.max(...booked.map((b) => b.slot));
    const newcomer = await sender.turn(now);
    expect(newcomer).toMatchObject({ kind: 'wait' });
    expect((newcomer as { slot: number }).slot).toBeGreaterThan(last);
    // Asked at the gate (it went on before the backlog was booked), it is sent behind it too.
    const late = await sender.acquire(now);
    expect(late).toMatchObject({ kind: 'wait' });
    expect((late as { slot: number }).slot).toBeGreaterThan((newcomer as { slot: number }).slot);
    // A booked message goes on to the gate without asking the table.
    expect(await sender.turn(now, booked[0]!.slot)).toEqual({ kind: 'send' });

    for (const b of booked) {
      now = b.slot + 5;
      expect(await sender.acquire(now, b.slot)).toEqual({ kind: 'send' });
    }
    // Booked or not, nothing passes the gate beyond its burst: with 2, one more goes now, the next waits.
    expect(await sender.acquire(now, now + 500)).toEqual({ kind: 'send' });
    expect(await sender.acquire(now, now + 600)).toMatchObject({ kind: 'wait', slot: now + 600 });
  });

  it('sends a booked message back to wait again when it returns before its slot, at the turn and at the gate', async () => {
    // A backlog longer than SQS's longest delay (15 minutes) brings messages back early.
    const now = Date.now();
    const sender = new DynamoRateLimiter(10, 100, tables.state.name, env.documentClient, () => now);
    const slot = now + 20 * 60_000;
    expect(await sender.turn(now, slot)).toEqual({ kind: 'wait', until: slot, slot });
    expect(await sender.acquire(now, slot)).toEqual({ kind: 'wait', until: slot, slot });
    // The gate was not touched: a new message still goes at once.
    expect(await sender.acquire(now)).toEqual({ kind: 'send' });
  });

  it('brings back booked messages the gate could not take one interval apart, not all at once', async () => {
    const now = Date.now();
    const sender = new DynamoRateLimiter(10, 0, tables.state.name, env.documentClient, () => now);
    expect(await sender.acquire(now)).toEqual({ kind: 'send' });
    const paces = await Promise.all([now - 300, now - 200, now - 100].map((slot) => sender.acquire(now, slot)));
    const untils = paces.map((p) => (p.kind === 'wait' ? p.until : undefined));
    expect(untils.every((u) => u !== undefined)).toBe(true);
    expect(new Set(untils).size).toBe(3);
  });

  it('still sends what the gate admitted when booking the rest fails; those come back in a second, unbooked', async () => {
    const now = Date.now();
    const failingBookings = {
      send: (command: UpdateCommand | GetCommand) =>
        'UpdateExpression' in command.input && String(command.input.UpdateExpression).includes('nextSlot')
          ? Promise.reject(new Error('ProvisionedThroughputExceededException'))
          : env.documentClient.send(command as UpdateCommand),
    } as unknown as DynamoDBDocumentClient;
    const sender = new DynamoRateLimiter(10, 100, tables.state.name, failingBookings, () => now);
    const paces = await Promise.all([0, 1, 2, 3].map(() => sender.acquire(now)));
    expect(paces.filter((p) => p.kind === 'send')).toHaveLength(2);
    expect(paces.filter((p) => p.kind === 'wait')).toEqual([
      { kind: 'wait', until: now + 1000 },
      { kind: 'wait', until: now + 1000 },
    ]);
  });

  it('never admits more than the burst plus the rate over the time it ran, however hard it is asked', async () => {
    const rate = 20;
    const burst = 3;
    const senders = [0, 1, 2].map(() => limiter(rate, burst));
    let admitted = 0;
    const started = Date.now();
    await Promise.all(
      senders.map(async (s) => {
        let slot: number | undefined;
        while (Date.now() - started < 1_000) {
          const pace = await s.acquire(Date.now(), slot);
          if (pace.kind === 'send') {
            admitted++;
            slot = undefined;
          } else slot = pace.slot;
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(burst + rate * seconds);
  });

  it('lets a priority send through the gate ahead of a booked backlog, without booking a slot behind it', async () => {
    let now = Date.now();
    const sender = new DynamoRateLimiter(10, 100, tables.state.name, env.documentClient, () => now);
    const backlog = waits(await Promise.all(Array.from({ length: 12 }, () => sender.acquire(now))));
    expect(backlog).toHaveLength(10);

    // The gate has room again, but a backlog is booked: a new message queues behind it, a priority one goes.
    now += 150;
    expect(await sender.turn(now, undefined, true)).toEqual({ kind: 'send' });
    expect((await sender.turn(now)).kind).toBe('wait');
    expect(await sender.acquire(now, undefined, true)).toEqual({ kind: 'send' });

    // When the gate is full, priority sends reserve its next positions, ahead of the backlog.
    const full = await Promise.all([sender.acquire(now, undefined, true), sender.acquire(now, undefined, true)]);
    const reserved = waits(full);
    expect(reserved.length).toBeGreaterThan(0);
    for (const p of reserved) {
      expect(p.until).toBe(p.slot);
      expect(p.slot).toBeLessThan(backlog.at(-1)!.slot);
    }
    // Back at its position, a reserved send goes without asking the gate again; early, it waits.
    const position = reserved[0]!.slot;
    expect(await sender.acquire(now, position, true)).toMatchObject(position - now > 100 ? { kind: 'wait', slot: position } : { kind: 'send' });
    now = position;
    expect(await sender.acquire(now, position, true)).toEqual({ kind: 'send' });
  });
});
