/**
 * Kysely's Postgres introspector reads every schema in the database (and calls pg_get_serial_sequence
 * on each column), so a migrator checking for its own table fails when any other schema is dropped
 * meanwhile, and slows down as schemas accumulate. A service only ever looks at its own schema: this
 * introspector (and the dialect that installs it) are scoped to it.
 */
import {
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { readSchemaColumns, readSchemaNames } from './schema.repository.js';

const KYSELY_INTERNAL_TABLES = ['kysely_migration', 'kysely_migration_lock'];

export class SchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    return readSchemaNames(this.db, this.schema);
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const rows = await readSchemaColumns(this.db, this.schema);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      if (!options.withInternalKyselyTables && KYSELY_INTERNAL_TABLES.includes(row.table_name)) continue;
      let table = tables.get(row.table_name);
      if (!table) {
        table = {
          name: row.table_name,
          schema: this.schema,
          isView: row.table_type === 'VIEW',
          isForeign: row.table_type === 'FOREIGN',
          columns: [],
        };
        tables.set(row.table_name, table);
      }
      if (row.column_name === null) continue;
      table.columns.push({
        name: row.column_name,
        dataType: row.udt_name ?? 'unknown',
        ...(row.udt_schema !== null && { dataTypeSchema: row.udt_schema }),
        isNullable: row.is_nullable === 'YES',
        hasDefaultValue: row.column_default !== null,
        isAutoIncrementing: row.column_default?.startsWith('nextval(') ?? false,
      });
    }
    return [...tables.values()];
  }
}

export class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string,
  ) {
    super(config);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the Dialect interface itself takes Kysely<any>
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaIntrospector(db, this.schema);
  }
}
