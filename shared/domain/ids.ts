import { createHash } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** A new time-sortable id (ULID): ids made later sort later, so "newest first" is a key order. */
export function newId(now: number = Date.now()): string {
  return nextUlid(now);
}

/**
 * The one notification an upload's match with a rule may give. Deriving it from the pair
 * makes every redelivery of the same upload write the same item, so a conditional put
 * cannot double it; the file id leads, so notifications sort by upload time.
 */
export function notificationIdFor(fileId: string, ruleId: string): string {
  return `${fileId}-${ruleId}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID whose time is `at` and whose other 80 bits come from `seed`'s SHA-256: the same message
 * (an inbound MessageSid) always gets the same id, so a repeated webhook cannot store it twice,
 * and it still sorts by time with the ids `newId` makes.
 */
export function stableId(at: number, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[digest[i]! % 32];
  return `${encodeTime(at, 10)}${random}`;
}
