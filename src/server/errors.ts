/**
 * One error envelope for the whole API: `{"message": "..."}` with the status
 * that fits, the shape HMA clients already parse. Repository, media and
 * framework errors are mapped here, so route code just throws. Unexpected
 * errors are logged and answered with a bare 500: stack traces and SQL never
 * reach the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isBankError } from '../banks/errors.js';
import { isMediaError, type MediaError } from '../media/errors.js';

/** An error with a status and a message meant for the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Extra fields for the body (e.g. field-level `details`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** One entry of HMA's 422 body: pydantic v2's validation error shape. */
export interface PydanticIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

/**
 * HMA answers a missing or mistyped request-model field with 422 and a JSON
 * array of pydantic issues, not the `{"message"}` envelope; HMA clients that
 * look at the body expect that array (docs/hma-compat.md §0.2).
 */
export class UnprocessableError extends Error {
  readonly statusCode = 422;
  constructor(readonly issues: PydanticIssue[]) {
    super(issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '));
    this.name = 'UnprocessableError';
  }
}

export function missingField(where: 'query' | 'body', field: string, input: unknown): PydanticIssue {
  return { type: 'missing', loc: [where, field], msg: 'Field required', input };
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

export interface ErrorHandlerOptions {
  /** The upload limit, to say it in the 413 message. */
  maxUploadBytes: number;
  bodyLimit: number;
}

export function installErrorHandlers(app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, body } = describe(err, options);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ status, message: errorMessage(body) }, 'request refused');
    sendError(request, reply, status, body);
  });
}

function sendError(_request: FastifyRequest, reply: FastifyReply, status: number, body: unknown): void {
  // A half-sent streamed reply cannot take a new status; the connection is closed instead.
  if (reply.sent) return;
  reply.code(status).type('application/json; charset=utf-8').send(body);
}

function errorMessage(body: unknown): string {
  return Array.isArray(body) ? 'validation failed' : String((body as { message?: unknown }).message);
}

function describe(err: FastifyError, options: ErrorHandlerOptions): { status: number; body: unknown } {
  if (err instanceof UnprocessableError) return { status: 422, body: err.issues };
  if (err instanceof HttpError) return { status: err.statusCode, body: { message: err.message, ...err.extra } };
  if (hasZodFastifySchemaValidationErrors(err)) return validationFailure(err);
  if (isBankError(err)) return { status: BANK_STATUS[err.code], body: { message: err.message } };
  if (isMediaError(err)) return mediaFailure(err);
  const known = frameworkFailure(err, options);
  if (known) return known;
  const status = err.statusCode;
  // Other framework errors below 500 carry messages written for clients (e.g. bad JSON).
  if (status && status >= 400 && status < 500) return { status, body: { message: err.message } };
  return { status: 500, body: { message: 'internal server error' } };
}

const BANK_STATUS = { validation: 400, 'not-found': 404, conflict: 409 } as const;

/** zod issues from a route schema: the message names the field so a client can fix it. */
function validationFailure(err: {
  validation: { instancePath: string; message?: string }[];
  validationContext?: string;
}) {
  const details = err.validation.map((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    return { field: path, message: fieldMessage(path, v.message ?? 'is invalid') };
  });
  const where = err.validationContext === 'querystring' ? 'query parameter' : (err.validationContext ?? 'request');
  const first = details[0];
  const message = first ? first.message : `invalid ${where}`;
  return { status: 400, body: { message, details } };
}

/** "pdq must be 64 hex digits" stays as it is; other texts, and nested fields, get the field path in front. */
function fieldMessage(path: string, message: string): string {
  if (!path || message.startsWith(`${path} `)) return message;
  return `${path}: ${message}`;
}

function mediaFailure(err: MediaError): { status: number; body: unknown } {
  const status = err.code === 'file-too-large' ? 413 : err.code === 'ffmpeg-missing' ? 503 : 400;
  return { status, body: { message: err.message } };
}

function frameworkFailure(err: FastifyError, options: ErrorHandlerOptions): { status: number; body: unknown } | null {
  switch (err.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return {
        status: 413,
        body: {
          message: `upload is larger than the limit of ${options.maxUploadBytes} bytes (PERISAI_MAX_UPLOAD_BYTES)`,
        },
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { message: `request body is larger than the limit of ${options.bodyLimit} bytes` } };
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { status: 413, body: { message: 'too many parts in the multipart upload' } };
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { status: 415, body: { message: 'expected a multipart/form-data upload' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { message: `unsupported content type: ${err.message.replace(/^.*: /, '')}` } };
    default:
      return null;
  }
}
