/** HMA hashing routes, /h (docs/hma-compat.md §2): hash an upload or media at a URL. */
import type { FastifyInstance } from 'fastify';
import { hashForHma, hmaUpload, hmaUrlMedia, selectSignalTypes } from '../hma/hashing.js';
import { queryParam, requiredQueryParams, sortKeys } from '../hma/json.js';
import { Permission } from '../permissions.js';
import type { RouteContext } from '../services.js';

const TAGS = ['HMA hashing'];

export function hmaHashingRoutes(app: FastifyInstance, { limits }: RouteContext): void {
  app.get(
    '/h/hash',
    {
      config: { permission: Permission.Hash },
      schema: {
        tags: TAGS,
        summary: 'Hash media fetched from a URL (disabled unless PERISAI_ALLOW_URL_FETCH=1)',
        description: 'Query: url (required), content_type (photo|video), types (comma list).',
      },
    },
    async (request) => {
      const [url] = requiredQueryParams(request, ['url']) as [string];
      const media = await hmaUrlMedia(url, queryParam(request, 'content_type'), limits);
      const types = selectSignalTypes(media.contentType, queryParam(request, 'types'));
      return sortKeys(await hashForHma(media, types, limits));
    },
  );

  app.post(
    '/h/hash',
    {
      config: { permission: Permission.Hash },
      schema: {
        tags: TAGS,
        summary: 'Hash one uploaded file; the multipart field name is the content type (photo or video)',
        description: 'Query: types (comma list). Returns {"pdq": "..."} or {"video_md5": "...", "vpdq": "[...]"}.',
      },
    },
    async (request) => {
      const media = await hmaUpload(request, limits);
      const types = selectSignalTypes(media.contentType, queryParam(request, 'types'));
      return sortKeys(await hashForHma(media, types, limits));
    },
  );
}
