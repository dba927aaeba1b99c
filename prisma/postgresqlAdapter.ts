import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { parseIntoClientConfig } from 'pg-connection-string';

/** Type oids (pg_type.oid) of the catalog-only types the schema engine reads: `"char"` and `name`. */
const CATALOG_TEXT_TYPES = new Set([18, 19]);
const TEXT = 25;

function asText(result: unknown): unknown {
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  for (const field of fields ?? []) if (CATALOG_TEXT_TYPES.has(field.dataTypeID)) field.dataTypeID = TEXT;
  return result;
}

/**
 * A pg client whose results report catalog `name`/`"char"` columns as text: @prisma/adapter-pg
 * 6.19 cannot describe them, so Prisma's JS schema engine fails on its first introspection query
 * ("Column type 'name' could not be deserialized", prisma/orm#27403). pg already returns them as
 * strings; only the reported type changes. Our own tables never use these types.
 */
class CatalogTextClient extends pg.Client {
  // @ts-expect-error -- one wrapper for all of pg's query overloads (pg.Pool passes a callback).
  override query(...args: unknown[]): unknown {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') args[last] = (error: unknown, result: unknown) => callback(error, asText(result));
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(asText) : result;
  }
}

/** The driver adapter `prisma migrate` runs through for a postgresql:// DATABASE_URL. */
export function postgresMigrationAdapter(connectionString: string): PrismaPg {
  // Fields rather than a connection string: the adapter makes its shadow database (migrate diff
  // --from-migrations) by overriding `database`, which a connection string would take precedence over.
  return new PrismaPg({ ...parseIntoClientConfig(connectionString), Client: CatalogTextClient as typeof pg.Client });
}
