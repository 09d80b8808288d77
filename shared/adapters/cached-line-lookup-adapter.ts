import type { LineRecord, LineRepository, NumberClaim } from '../ports.ts';

/** How long a line read for a call is reused: a change to a line reaches calls within this time. */
export const LINE_CACHE_MS = 5_000;
const MAX_ENTRIES = 1_000;

type LineLookup = Pick<LineRepository, 'claimOf' | 'get'>;

/**
 * The lines the voice webhooks and worker read on every call, kept for a few seconds per
 * function instance: a call costs one DynamoDB round trip instead of three. Only found lines are
 * kept, so a line just created answers its first call; a line just changed or deleted may be
 * read as it was for up to `LINE_CACHE_MS`.
 */
export class CachedLineLookup implements LineLookup {
  private readonly claims = new Map<string, { at: number; value: NumberClaim }>();
  private readonly lines = new Map<string, { at: number; value: LineRecord }>();

  constructor(
    private readonly repository: LineLookup,
    private readonly ttlMs: number = LINE_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  claimOf(number: string): Promise<NumberClaim | undefined> {
    return this.cached(this.claims, number, () => this.repository.claimOf(number));
  }

  get(userId: string, lineId: string): Promise<LineRecord | undefined> {
    return this.cached(this.lines, `${userId}#${lineId}`, () => this.repository.get(userId, lineId));
  }

  private async cached<T>(map: Map<string, { at: number; value: T }>, key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const hit = map.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = await read();
    map.delete(key);
    if (value === undefined) return undefined;
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
    map.set(key, { at: this.now(), value });
    return value;
  }
}
