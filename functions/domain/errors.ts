import type { Problem } from './validation.ts';

/**
 * Errors a caller can act on. Each carries the HTTP status it maps to, so the
 * edge never guesses; anything else is an internal error and shows a generic body.
 */
export abstract class TollgateError extends Error {
  abstract readonly statusCode: number;
  /** Spelled out in each class: bundles are minified, so `constructor.name` would not survive. */
  abstract override readonly name: string;
}

export class InvalidInputError extends TollgateError {
  override readonly name: string = 'InvalidInputError';
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends TollgateError {
  override readonly name: string = 'UnauthorizedError';
  readonly statusCode = 401;
}

export class ForbiddenError extends TollgateError {
  override readonly name: string = 'ForbiddenError';
  readonly statusCode = 403;
}

export class NotFoundError extends TollgateError {
  override readonly name: string = 'NotFoundError';
  readonly statusCode = 404;
}

/** A state conflict the caller can resolve by looking again (e.g. the gate package changed). */
export class ConflictError extends TollgateError {
  override readonly name: string = 'ConflictError';
  readonly statusCode = 409;
  constructor(
    message: string,
    /** What the caller needs to look again, shown beside the message (e.g. who saved a draft meanwhile). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The thing existed but can no longer be used: a used, expired or superseded approval link. */
export class GoneError extends TollgateError {
  override readonly name: string = 'GoneError';
  readonly statusCode = 410;
}

/** Too many failed attempts from one client: try again after `retryAfterSeconds`. */
export class TooManyAttemptsError extends TollgateError {
  override readonly name: string = 'TooManyAttemptsError';
  readonly statusCode = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
