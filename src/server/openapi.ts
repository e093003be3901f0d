/**
 * The OpenAPI document, generated from the routes' zod schemas, at
 * /openapi.json, and Swagger UI at /docs (assets served from the npm package,
 * no CDN). Both are open: the document describes the API, it grants nothing.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { VERSION } from '../version.js';
import { DOCS_PREFIX } from './auth.js';

const DESCRIPTION = `Perisai: hash banks and matching against image-based sexual abuse.

Authenticate with an API key (\`npx perisai apikey create --name NAME --scope read|write\`) sent as
\`Authorization: Bearer psk_...\` or \`X-API-Key: psk_...\`. Read keys may hash, look up and read banks;
write keys may also change banks and content and release quarantined signals.

Routes under /h, /m and /c are compatible with Meta's Hasher-Matcher-Actioner (HMA); /api/v1 is
Perisai's own API. Errors are \`{"message": "..."}\`.`;

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Perisai API', version: VERSION, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'psk_... API key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          session: { type: 'apiKey', in: 'cookie', name: 'perisai_session', description: 'set by /api/v1/auth/login' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
