import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gcraLatestTat, gcraRoom, type GcraLimits } from '../domain/gcra.ts';
import { RetryLaterError } from '../errors.ts';
import type { Pace, RateLimiter } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const KEY = { pk: 'RATE', sk: 'twilio-messages' };
const MAX_ROUNDS = 5;
/** How early a booked message may come back and still go to the gate (senders' clocks differ a little). */
const EARLY_MS = 500;

interface Ask {
  slot: number | undefined;
  /** A priority-lane send: it books nothing and goes to the gate ahead of the booked backlog. */
  priority: boolean;
}

/**
 * Collects requests and settles them together: those made while a settlement is under way wait
 * for it and go in the next one, so one process never contends with itself for the item.
 */
class Batcher {
  private waiting: Array<Ask & { resolve: (pace: Pace) => void; reject: (err: unknown) => void }> = [];
  private busy = false;

  constructor(private readonly settle: (asks: Ask[]) => Promise<Pace[]>) {}

  add(slot: number | undefined, priority = false): Promise<Pace> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ slot, priority, resolve, reject });
      if (!this.busy && this.waiting.length === 1) queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    if (this.busy || this.waiting.length === 0) return;
    this.busy = true;
    const batch = this.waiting;
    this.waiting = [];
    try {
      const paces = await this.settle(batch);
      for (const [i, w] of batch.entries()) w.resolve(paces[i]!);
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.busy = false;
      void this.flush();
    }
  }
}

/** The limiter's shared item: `gate` paces actual sends, `nextSlot` books the backlog's turns. */
interface RateState {
  gate: number;
  nextSlot: number;
}

/** What a first attempt assumes before reading anything: an idle account, the common case. */
const IDLE: RateState = { gate: 0, nextSlot: 0 };

/**
 * One DynamoDB item shared by every sender, holding two schedules.
 *
 * The gate is the generic cell rate algorithm (shared/domain/gcra.ts) over actual sends: a send is admitted when the
 * gate's theoretical arrival time is at most the tolerance ahead of now, and moves it on by one
 * interval. Whatever the queue does, admitted sends in any window of t seconds stay within
 * `1 + (tolerance + t) × rate`, which is what keeps an account under Twilio's limit.
 *
 * The booking schedule turns a backlog into a queue: a message the gate cannot take books the
 * next slot after every earlier booking and is put back on SQS until then. SQS delays are whole
 * seconds, so it comes back up to a second after its slot, never before; booked messages then
 * go ahead of new ones, and as slots are one interval apart, each finds the gate open. No sender
 * waits in the Lambda, and a message waits in the queue about once.
 *
 * Requests made while one settlement is under way are settled together, with one read and one write.
 */
export class DynamoRateLimiter implements RateLimiter {
  private readonly interval: number;
  private readonly tolerance: number;
  private readonly limits: GcraLimits;
  private readonly turns = new Batcher((asks) => this.settleTurns(asks));
  private readonly gates = new Batcher((asks) => this.settleGate(asks));

  /**
   * `ratePerSecond` paces the sends; `toleranceMs` is how far ahead of now the gate's schedule
   * may run, that is the burst it lets through at once (one send, plus one per interval).
   */
  constructor(
    ratePerSecond: number,
    toleranceMs: number,
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
    private readonly clock: () => number = Date.now,
  ) {
    this.interval = 1000 / ratePerSecond;
    this.tolerance = Math.max(0, toleranceMs);
    this.limits = { intervalMs: this.interval, toleranceMs: this.tolerance };
  }

  turn(_now: number, slot?: number, priority = false): Promise<Pace> {
    // Priority sends do not queue behind the backlog: they go straight to the gate.
    if (priority) return Promise.resolve({ kind: 'send' });
    if (slot === undefined) return this.turns.add(undefined);
    return Promise.resolve(this.early(slot, this.clock()) ?? { kind: 'send' });
  }

  /**
   * A booked message back before its slot waits again for it: SQS delays stop at 15 minutes, so
   * a message booked further ahead comes back early, as many times as it takes.
   */
  private early(slot: number, now: number): Pace | undefined {
    return slot - now > EARLY_MS ? { kind: 'wait', until: slot, slot } : undefined;
  }

  acquire(_now: number, slot?: number, priority = false): Promise<Pace> {
    return this.gates.add(slot, priority);
  }

  /** New messages: on while nothing is booked ahead, else each books the next slot and waits. */
  private async settleTurns(asks: Ask[]): Promise<Pace[]> {
    const now = this.clock();
    const state = await this.read(false);
    if (state.nextSlot <= now) return asks.map(() => ({ kind: 'send' }));
    return this.bookAll(asks.length, Math.max(now, state.gate));
  }

  private async settleGate(asks: Ask[]): Promise<Pace[]> {
    const paces: Pace[] = new Array<Pace>(asks.length);
    let now = this.clock();
    const due = asks
      .map((_, i) => i)
      .filter((i) => {
        // A priority send back with the gate position it reserved has its place in the gate: it goes
        // once that position is within the gate's allowance, taking nothing more.
        if (asks[i]!.priority && asks[i]!.slot !== undefined) {
          const slot = asks[i]!.slot!;
          paces[i] = slot - now <= this.tolerance ? { kind: 'send' } : { kind: 'wait', until: slot, slot };
          return false;
        }
        const early = asks[i]!.slot === undefined ? undefined : this.early(asks[i]!.slot!, now);
        if (early) paces[i] = early;
        return !early;
      });
    // Priority sends go first, then booked messages, which have waited their turn, then new ones.
    const rank = (i: number) => (asks[i]!.priority ? 0 : asks[i]!.slot !== undefined ? 1 : 2);
    const order = due.sort((a, b) => rank(a) - rank(b));
    const bookedCount = order.filter((i) => rank(i) < 2).length;
    let state = IDLE;
    let admitted = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      now = this.clock();
      // New messages queue behind a booked backlog rather than overtake it.
      const contenders = state.nextSlot > now ? bookedCount : order.length;
      const room = Math.min(contenders, this.room(state.gate, now));
      if (room === 0 || (await this.take(room, state.gate, now, room > bookedCount))) {
        admitted = room;
        break;
      }
      // Another sender moved the gate: look again. After the last round nobody is admitted now.
      state = await this.read(true);
    }
    const gate = Math.max(state.gate, now) + admitted * this.interval;
    for (const i of order.slice(0, admitted)) paces[i] = { kind: 'send' };
    const rest = order.slice(admitted);
    const fresh = rest.filter((i) => rank(i) === 2);
    let booked: Pace[] = [];
    try {
      if (fresh.length > 0) booked = await this.bookAll(fresh.length, Math.max(now, gate));
    } catch (err) {
      // The sends already taken from the gate still go; the new messages come back in a second, unbooked.
      if (admitted === 0) throw err;
      booked = fresh.map(() => ({ kind: 'wait', until: now + 1000 }));
    }
    for (const [k, i] of fresh.entries()) paces[i] = booked[k]!;
    // Priority sends the gate cannot take now reserve its next positions, ahead of the booked
    // messages, which find the gate that much further on when they come back.
    const urgent = rest.filter((i) => rank(i) === 0);
    const positions = urgent.length > 0 ? await this.reserve(urgent.length, now) : undefined;
    urgent.forEach((i, k) => {
      const slot = positions === undefined ? undefined : Math.ceil(positions + k * this.interval);
      paces[i] = slot === undefined ? { kind: 'wait', until: now + 1000 } : { kind: 'wait', until: slot, slot };
    });
    // Booked messages the gate cannot take now (they came back with others) keep their slots,
    // and come back one interval apart from when the gate has room again.
    rest
      .filter((i) => rank(i) === 1)
      .forEach((i, k) => {
        const until = Math.max(now, gate - this.tolerance + (urgent.length + k) * this.interval);
        paces[i] = { kind: 'wait', until, slot: asks[i]!.slot };
      });
    return paces;
  }

  /**
   * Moves a busy gate on by `n` sends with one atomic ADD, and answers the first position taken:
   * the sends at those positions are already counted, so they never exceed the rate. Undefined
   * when the gate went idle meanwhile (the sends then simply try again).
   */
  private async reserve(n: number, now: number): Promise<number | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: KEY,
          UpdateExpression: 'ADD gate :span',
          ConditionExpression: 'gate >= :now',
          ExpressionAttributeValues: { ':span': n * this.interval, ':now': now },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return Number(Attributes!.gate);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  private async bookAll(n: number, from: number): Promise<Pace[]> {
    const first = await this.book(n, from);
    return Array.from({ length: n }, (_, i) => {
      const slot = Math.round(first + i * this.interval);
      return { kind: 'wait', until: slot, slot };
    });
  }

  /** How many sends the gate admits at `now`. */
  private room(gate: number, now: number): number {
    return gcraRoom(gate, now, this.limits);
  }

  /**
   * Moves the gate on by `n` sends, if it still admits them: an atomic ADD while the gate is
   * ahead of now (concurrent senders never conflict then), a conditional SET when it is idle.
   * New messages are admitted only while nothing is booked ahead.
   */
  private async take(n: number, seenGate: number, now: number, withNew: boolean): Promise<boolean> {
    const noBacklog = withNew ? ' AND (attribute_not_exists(nextSlot) OR nextSlot <= :now)' : '';
    const busy = seenGate > now;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: KEY,
          ...(busy
            ? {
                UpdateExpression: 'ADD gate :span',
                ConditionExpression: `gate BETWEEN :now AND :limit${noBacklog}`,
                ExpressionAttributeValues: { ':span': n * this.interval, ':now': now, ':limit': gcraLatestTat(now, this.limits, n) },
              }
            : {
                UpdateExpression: 'SET gate = :next',
                ConditionExpression: `(attribute_not_exists(gate) OR gate <= :now)${noBacklog}`,
                ExpressionAttributeValues: { ':next': now + n * this.interval, ':now': now },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async read(consistent: boolean): Promise<RateState> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: consistent }));
    return { gate: Number(Item?.gate ?? 0), nextSlot: Number(Item?.nextSlot ?? 0) };
  }

  /**
   * Books `n` consecutive slots no earlier than `from`; returns the first one's time. While the
   * backlog is booked past `from`, one atomic ADD takes the next slots, so concurrent senders
   * never conflict; otherwise a conditional SET starts the bookings at `from`.
   */
  private async book(n: number, from: number): Promise<number> {
    const span = n * this.interval;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        const { Attributes } = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: KEY,
            UpdateExpression: 'ADD nextSlot :span',
            ConditionExpression: 'nextSlot >= :from',
            ExpressionAttributeValues: { ':span': span, ':from': from },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return Number(Attributes!.nextSlot);
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: KEY,
            UpdateExpression: 'SET nextSlot = :next',
            ConditionExpression: 'attribute_not_exists(nextSlot) OR nextSlot < :from',
            ExpressionAttributeValues: { ':next': from + span, ':from': from },
          }),
        );
        return from;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    throw new RetryLaterError('Could not book a send slot: the schedule kept moving; the record will come back.');
  }
}
