import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';

/** The ids that tie a log line to what it is about; every line written while one is known carries it. */
export const correlationKeyNames = ['notificationId', 'messageSid', 'fileId', 'callSid'] as const;
export type CorrelationKey = (typeof correlationKeyNames)[number];
export type CorrelationKeys = Partial<Record<CorrelationKey, string>>;

type ScopeKeys = Record<string, unknown>;

/**
 * The keys of the invocation (and record) a line is written in. Kept per async context rather than
 * on the logger, because a queue batch's records run side by side, and the local runtime runs every
 * function in one process.
 */
const scope = new AsyncLocalStorage<ScopeKeys>();
const warmFunctions = new Set<string>();

/** E.164 numbers, also URL-encoded (`%2B…`), as they appear in messages, fields and URLs. */
const PHONE = /(\+|%2B)\d{6,15}(?!\d)/gi;

/** Every phone number in a text shown by its last four digits only. */
export const maskPhones = (text: string): string => text.replace(PHONE, (number) => `…${number.slice(-4)}`);

/** The Powertools logger, with the current scope's keys on every line. */
class ScopedLogger extends Logger {
  protected override processLogItem(logLevel: number, input: LogItemMessage, extraInput: LogItemExtraInput): void {
    const keys = scope.getStore();
    super.processLogItem(logLevel, input, (keys && Object.keys(keys).length > 0 ? [keys, ...extraInput] : extraInput) as LogItemExtraInput);
  }
}

/**
 * The process's structured logger. The service name comes from POWERTOOLS_SERVICE_NAME, the level
 * from POWERTOOLS_LOG_LEVEL (or LOG_LEVEL); phone numbers in any line are masked.
 */
export const logger = new ScopedLogger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'twilio-notifications',
  jsonReplacerFn: (_key, value) => (typeof value === 'string' ? maskPhones(value) : value),
});

/** The Lambda context's fields as Powertools names them; a function's first invocation is its cold start. */
function contextKeys(context: Context): ScopeKeys {
  const coldStart = !warmFunctions.has(context.functionName);
  warmFunctions.add(context.functionName);
  return {
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    cold_start: coldStart,
  };
}

/** Runs one invocation with its Lambda context (request id, cold start, function name) on every line. */
export function withInvocation<T>(context: Context | undefined, fn: () => Promise<T>): Promise<T> {
  return scope.run(context?.functionName ? contextKeys(context) : {}, fn);
}

/** Runs `fn` with these correlation keys added to the current ones. */
export function withCorrelation<T>(keys: CorrelationKeys, fn: () => Promise<T>): Promise<T> {
  return scope.run({ ...scope.getStore(), ...defined(keys) }, fn);
}

/** Adds correlation keys learned midway (a message's SID once Twilio answers) to the lines that follow. */
export function appendCorrelation(keys: CorrelationKeys): void {
  const store = scope.getStore();
  if (store) Object.assign(store, defined(keys));
}

/** The correlation keys an object (a queue message, a dead letter's payload, path parameters) names. */
export function correlationOf(value: unknown): CorrelationKeys {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const keys: CorrelationKeys = 'payload' in record ? correlationOf(record.payload) : {};
  for (const name of correlationKeyNames) {
    if (typeof record[name] === 'string' && record[name] !== '') keys[name] = record[name];
  }
  return keys;
}

function defined(keys: CorrelationKeys): CorrelationKeys {
  return Object.fromEntries(Object.entries(keys).filter(([, value]) => typeof value === 'string' && value !== ''));
}
