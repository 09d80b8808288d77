import { describeTwilioError } from '../../shared/domain/twilio-errors.ts';
import type { Notification } from './api.ts';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, {
    ...(sameYear ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A notification's failure in words: the Twilio code explained, or the system's own message. */
export function describeFailure(n: Pick<Notification, 'errorCode' | 'errorMessage' | 'status'>): string | undefined {
  if (n.errorCode) return `${describeTwilioError(String(n.errorCode), n.errorMessage)} (code ${n.errorCode})`;
  if (n.errorMessage) return n.errorMessage;
  if (n.status === 'suppressed') return 'Not sent: the recipient has opted out (replied STOP).';
  return undefined;
}

/**
 * Each item with a React key made from what it holds (`keyOf`), not from where it stands: an
 * item that repeats an earlier one's key gets `#2`, `#3`… after it, so keys stay unique and an
 * item keeps its key when others are added after it.
 */
export function withKeys<T>(items: readonly T[], keyOf: (item: T) => string): Array<{ key: string; item: T }> {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const base = keyOf(item);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { key: n === 1 ? base : `${base}#${n}`, item };
  });
}
