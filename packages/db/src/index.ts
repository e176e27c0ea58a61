export * from './database.js';
export * from './ids.js';
export * from './migrations.js';
export * from './prepared.js';
export { dropSchemaCascade, pingDatabase } from './schema.repository.js';
export * from './schema-introspector.js';
