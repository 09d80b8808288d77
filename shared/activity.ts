import { logger } from './logger.ts';

/** Where activity lines go: the structured log by default; `npm start` prints them for a person. */
export type ActivitySink = (line: string, fields: Record<string, unknown>) => void;

let sink: ActivitySink = (line, fields) => logger.info(line, { activity: true, ...fields });

/**
 * One line per event a person follows (an upload matched, a message sent, delivered, failed with
 * its code, a keyword received). Phone numbers in it must be masked with `maskPhone`.
 */
export function reportActivity(line: string, fields: Record<string, unknown> = {}): void {
  sink(line, fields);
}

/** Sends activity lines somewhere else (the local runtime's terminal). */
export function setActivitySink(next: ActivitySink): void {
  sink = next;
}

/** A phone number shown by its last four digits only, enough to tell recipients apart. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^whatsapp:/, '').replace(/\D/g, '');
  return digits.length > 4 ? `…${digits.slice(-4)}` : '…';
}
