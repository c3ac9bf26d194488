import type { Problem } from './validation.ts';

/**
 * Errors a caller can act on. Each carries the HTTP status it maps to, so the
 * edge never guesses; anything else is an internal error and shows a generic body.
 */
export abstract class TollgateError extends Error {
  abstract readonly statusCode: number;
  override readonly name: string = this.constructor.name;
}

export class InvalidInputError extends TollgateError {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends TollgateError {
  readonly statusCode = 401;
}

export class ForbiddenError extends TollgateError {
  readonly statusCode = 403;
}

export class NotFoundError extends TollgateError {
  readonly statusCode = 404;
}

/** A state conflict the caller can resolve by looking again (e.g. the gate package changed). */
export class ConflictError extends TollgateError {
  readonly statusCode = 409;
}

/** The thing existed but can no longer be used: a used, expired or superseded approval link. */
export class GoneError extends TollgateError {
  readonly statusCode = 410;
}
