/**
 * The one error hierarchy. Every error a request can end in is an AppError; the HTTP
 * middleware maps it to a status and the contract's `{"error":{code,message,details}}`
 * body. Errors with `expose: false` become a generic 500 so nothing internal leaks.
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(message: string, opts: { code: string; statusCode: number; expose?: boolean; details?: unknown; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.statusCode = opts.statusCode;
    this.expose = opts.expose ?? opts.statusCode < 500;
    this.details = opts.details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(message, { code: 'VALIDATION_ERROR', statusCode: 400, details });
  }
}

export class InvalidCursorError extends AppError {
  constructor() {
    super('The cursor is not valid for this query; start again without a cursor.', {
      code: 'INVALID_CURSOR',
      statusCode: 400,
    });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required.') {
    super(message, { code: 'UNAUTHORIZED', statusCode: 401 });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, { code: 'FORBIDDEN', statusCode: 403 });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} was not found.`, { code: 'NOT_FOUND', statusCode: 404 });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, { code: 'CONFLICT', statusCode: 409 });
  }
}

export class LimitExceededError extends AppError {
  constructor(message: string) {
    super(message, { code: 'LIMIT_EXCEEDED', statusCode: 422 });
  }
}

/**
 * A queue record that should come back later: expected, not a fault (another sender holds it,
 * Twilio throttled). The queue's visibility timeout is the backoff.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly errorCode?: string,
    /** `cause`: the error behind it, kept for the log. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}

/**
 * A queue record whose time has not come (the send rate is used up, or Twilio's circuit is
 * open): the consumer puts a fresh copy back with a delay and deletes this one, so waiting
 * costs no receive and never pushes the record towards its DLQ.
 */
export class DeferError extends Error {
  constructor(
    message: string,
    readonly delaySeconds: number,
    /** The copy's body, when it should carry something the original did not (a reserved slot). */
    readonly body?: string,
    /**
     * The time (epoch ms) the record must not come back before, when that is what matters: the
     * delay is then counted when the copy is sent, so time spent since does not make it late.
     */
    readonly until?: number,
  ) {
    super(message);
    this.name = 'DeferError';
  }

  /** The whole-second delay SQS takes (1 to 900), counted from `now`. */
  delayAt(now: number): number {
    const seconds = this.until === undefined ? this.delaySeconds : Math.ceil((this.until - now) / 1000);
    return Math.min(900, Math.max(1, seconds));
  }
}

/**
 * A queue record that will never succeed: the consumer gives it to the dead-letter queue at
 * once, with its outcome, instead of letting the queue redrive the bare payload later.
 */
export class GiveUpError extends Error {
  constructor(
    message: string,
    readonly outcome: { status: string; errorCode?: string; attempts: number },
    /** `cause`: the error behind it, kept for the log and the dead letter. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GiveUpError';
  }
}

/** A configuration problem found at cold start; never exposed to callers. */
export class ConfigError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'CONFIG_ERROR', statusCode: 500, expose: false, cause: options?.cause });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(message, { code: 'PAYLOAD_TOO_LARGE', statusCode: 413 });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(message, { code: 'UNSUPPORTED_MEDIA_TYPE', statusCode: 415 });
  }
}

/** 429: the caller's share of the API is used up for now; `retryAfterSeconds` goes in Retry-After. */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { code: 'RATE_LIMITED', statusCode: 429 });
  }
}
