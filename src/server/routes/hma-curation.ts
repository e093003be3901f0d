/** HMA bank routes, /c/banks and /c/bank/<name> (docs/hma-compat.md §4.1). */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { type Bank, createBank, deleteBank, getBank, updateBank } from '../../banks/banks.js';
import { isBankError, isUniqueViolation } from '../../banks/errors.js';
import type { Database } from '../../db/open.js';
import { BANK_CATEGORIES, BANK_KINDS, type BankCategory, type BankKind } from '../../db/schema.js';
import { HttpError, UnprocessableError } from '../errors.js';
import { BAD_BANK_NAME, enabledFrom, HMA_BANK_NAME, hmaBank } from '../hma/curation.js';
import { bodyObject, sortKeys } from '../hma/json.js';
import { Permission } from '../permissions.js';
import { applyWrites, type RouteContext } from '../services.js';

const TAGS = ['HMA curation'];

type NameParams = { Params: { name: string } };

export function hmaCurationRoutes(app: FastifyInstance, { services }: RouteContext): void {
  app.get(
    '/c/banks',
    { config: { permission: Permission.BankRead }, schema: { tags: TAGS, summary: 'List banks' } },
    async () => {
      const banks = await services.database.db.selectFrom('banks').select(['name', 'enabled']).orderBy('id').execute();
      return sortKeys(banks.map(hmaBank));
    },
  );

  app.post(
    '/c/banks',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: TAGS,
        summary: 'Create a bank',
        description:
          'Body: {"name": "UPPER_NAME", "enabled_ratio"?: 0|1, "enabled"?: bool}. Perisai extensions: "category" (default "other"), "kind" (block|allow).',
      },
    },
    async (request, reply) => {
      const body = bodyObject(request);
      const name = requiredName(body);
      if (!HMA_BANK_NAME.test(name)) throw new HttpError(400, BAD_BANK_NAME);
      const enabled = enabledFrom(body) ?? true;
      try {
        const bank = await createBank(services.database.db, {
          name,
          category: extension(body.category, BANK_CATEGORIES, 'category') ?? ('other' satisfies BankCategory),
          ...(body.kind !== undefined ? { kind: extension(body.kind, BANK_KINDS, 'kind') as BankKind } : {}),
          enabled,
        });
        await applyWrites(services);
        reply.code(201);
        return sortKeys(hmaBank(bank));
      } catch (err) {
        if (isBankError(err, 'conflict')) throw new HttpError(403, 'Bank already exists');
        throw err;
      }
    },
  );

  app.get<NameParams>(
    '/c/bank/:name',
    { config: { permission: Permission.BankRead }, schema: { tags: TAGS, summary: 'Get a bank' } },
    async (request) => sortKeys(hmaBank(await requireBank(services.database, request.params.name))),
  );

  app.put<NameParams>(
    '/c/bank/:name',
    {
      config: { permission: Permission.BankWrite },
      schema: {
        tags: TAGS,
        summary: 'Rename, enable or disable a bank',
        description: 'Body: {"name"?: "NEW_NAME", "enabled"?: bool, "enabled_ratio"?: 0|1}.',
      },
    },
    async (request) => {
      const body = bodyObject(request);
      let bank = await getBank(services.database.db, request.params.name);
      if (!bank) throw new HttpError(404, 'Bank not found');
      const enabled = enabledFrom(body);
      if (body.name !== undefined && body.name !== null && body.name !== bank.name) {
        bank = await renameBank(services.database, bank, body.name);
      }
      if (enabled !== null && enabled !== bank.enabled)
        bank = await updateBank(services.database.db, bank.name, { enabled });
      await applyWrites(services);
      return sortKeys(hmaBank(bank));
    },
  );

  app.delete<NameParams>(
    '/c/bank/:name',
    {
      config: { permission: Permission.BankWrite },
      schema: { tags: TAGS, summary: 'Delete a bank with all its content (200 even if it does not exist)' },
    },
    async (request) => {
      await deleteBank(services.database.db, request.params.name);
      await applyWrites(services);
      return { message: 'Done' };
    },
  );
}

export async function requireBank(database: Database, name: string): Promise<Bank> {
  const bank = await getBank(database.db, name);
  if (!bank) throw new HttpError(404, `bank '${name}' not found`);
  return bank;
}

/** `name` of HMA's create model: 422 in pydantic's shape when missing or not a string. */
function requiredName(body: Record<string, unknown>): string {
  if (body.name === undefined) {
    throw new UnprocessableError([{ type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: body }]);
  }
  if (typeof body.name !== 'string') {
    throw new UnprocessableError([
      { type: 'string_type', loc: ['body', 'name'], msg: 'Input should be a valid string', input: body.name },
    ]);
  }
  return body.name;
}

function extension<T extends string>(value: unknown, allowed: readonly T[], field: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new HttpError(400, `${field} must be one of ${allowed.join(', ')}`);
}

/**
 * HMA's bank rename. Perisai's bank repository has no rename yet; a name is
 * only a label (signals, content and the change feed refer to the bank id),
 * so one UPDATE is the whole operation. Matchers pick the new name up with
 * their bank settings.
 */
async function renameBank(database: Database, bank: Bank, newName: unknown): Promise<Bank> {
  if (typeof newName !== 'string' || !HMA_BANK_NAME.test(newName)) throw new HttpError(400, BAD_BANK_NAME);
  try {
    await database.db
      .updateTable('banks')
      .set({ name: newName, updated_at: sql<Date>`now()` })
      .where('id', '=', bank.id)
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new HttpError(403, 'Bank name already exists');
    throw err;
  }
  return { ...bank, name: newName };
}
