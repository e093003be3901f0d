/**
 * HMA request bodies. HMA routes run under their own JSON parser: an empty
 * body is "no body" (HMA's request models treat it as {}), and broken JSON is
 * a 400 with Werkzeug's wording, not Fastify's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

export function installHmaJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new HttpError(400, `Failed to decode JSON object: ${(err as Error).message}`), undefined);
    }
  });
}

function isJsonRequest(request: FastifyRequest): boolean {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/** The JSON body of a route that needs one (HMA's `request.json`): 415 for other content types. */
export function requireJson(request: FastifyRequest): unknown {
  if (!isJsonRequest(request)) {
    throw new HttpError(
      415,
      "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
    );
  }
  if (request.body === undefined) throw new HttpError(400, 'Failed to decode JSON object: the request body is empty');
  return request.body;
}
