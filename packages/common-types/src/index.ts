export * as ReceiptIngestApi from './api/receipt-ingest.js';
export * from './errors.js';
export * from './events.js';
export * from './ids.js';
export * from './money.js';
export * from './pagination.js';
export * from './routes.js';
export * from './services.js';
export * from './sizes.js';
