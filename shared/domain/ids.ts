import { monotonicFactory } from 'ulid';

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
