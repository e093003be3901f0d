/** `perisai apikey create|list|revoke`: API keys for the HTTP API. */
import { createApiKey, listApiKeys, revokeApiKey } from '../banks/api-keys.js';
import { API_KEY_SCOPES } from '../db/schema.js';
import { oneOf, parseCommandArgs, positiveIntFlag, UsageError } from './args.js';
import { withDatabase } from './context.js';

export const APIKEY_USAGE = `usage: perisai apikey <subcommand> [--data DIR]

  create --name NAME [--scope read|write] [--org ORG_ID]   prints the key once; store it safely
  list [--json]
  revoke ID`;

export async function apikeyCommand(argv: string[], out = process.stdout): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    out.write(`${APIKEY_USAGE}\n`);
    return sub ? 0 : 2;
  }
  if (sub === 'create') {
    const { values } = parseCommandArgs(rest, {
      data: { type: 'string' },
      name: { type: 'string' },
      scope: { type: 'string' },
      org: { type: 'string' },
    });
    if (!values.name) throw new UsageError('--name is required');
    const scope = oneOf(values.scope, API_KEY_SCOPES, '--scope', 'read');
    const orgId = values.org === undefined ? null : positiveIntFlag(values.org, '--org', 1);
    const { key, record } = await withDatabase(values.data, (d) =>
      createApiKey(d.db, { name: values.name!, scope, orgId }),
    );
    out.write(
      `created API key ${record.id} "${record.name}" (${record.scope})\n\n  ${key}\n\nThis is the only time the key is shown. Send it as "Authorization: Bearer <key>".\n`,
    );
    return 0;
  }
  if (sub === 'list') {
    const { values } = parseCommandArgs(rest, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
    const keys = await withDatabase(values.data, (d) => listApiKeys(d.db));
    for (const k of keys) {
      out.write(
        values.json
          ? `${JSON.stringify(k)}\n`
          : `${String(k.id).padStart(4)}  ${k.prefix}…  ${k.scope.padEnd(5)} ${k.revokedAt ? 'revoked' : 'active '}  ${k.name}\n`,
      );
    }
    return 0;
  }
  if (sub === 'revoke') {
    const { values, positionals } = parseCommandArgs(rest, { data: { type: 'string' } });
    const id = positiveIntFlag(positionals[0], 'ID', Number.NaN);
    if (Number.isNaN(id)) throw new UsageError('usage: perisai apikey revoke ID');
    const ok = await withDatabase(values.data, (d) => revokeApiKey(d.db, id));
    out.write(ok ? `revoked API key ${id}\n` : `no active API key ${id}\n`);
    return ok ? 0 : 1;
  }
  throw new UsageError(`unknown apikey subcommand '${sub}'`);
}
