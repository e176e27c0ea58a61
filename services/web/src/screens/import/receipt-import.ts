/**
 * What the receipt import form sends, decided before anything goes over the wire: pasted text goes to
 * `POST /receipts/text`, a CSV file to `POST /receipts/csv`, a JSON file to `POST /receipts` (one
 * receipt) or `POST /receipts/batch` (`{ receipts: [...] }`). The server validates every field again;
 * this catches what a person can fix at once (no store, empty text, a file that is not CSV or JSON).
 */
import type { components } from '../../api/schema';

export type ImportRequest =
  | { kind: 'text'; body: components['schemas']['TextReceiptInput'] }
  | { kind: 'csv'; body: string }
  | { kind: 'json'; body: components['schemas']['ReceiptInput'] }
  | { kind: 'batch'; body: components['schemas']['ReceiptBatchInput'] };

export type ImportValidation =
  | { ok: true; request: ImportRequest }
  | { ok: false; errors: Partial<Record<'storeSlug' | 'text' | 'currency' | 'file', string>> };

/** The largest text or file the form accepts (the services' own limits are larger or equal). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

export function validateTextImport(input: {
  storeSlug: string;
  text: string;
  currency: string;
}): ImportValidation {
  const errors: Partial<Record<'storeSlug' | 'text' | 'currency', string>> = {};
  if (!input.storeSlug) errors.storeSlug = 'Choose the store the receipt is from.';
  if (!input.text.trim()) errors.text = 'Paste the text of the receipt.';
  else if (new Blob([input.text]).size > MAX_IMPORT_BYTES) errors.text = 'The text is longer than 5 MB.';
  if (!/^[A-Z]{3}$/.test(input.currency)) errors.currency = 'Use a three-letter currency code such as USD.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    request: {
      kind: 'text',
      body: { storeSlug: input.storeSlug, text: input.text, currency: input.currency },
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a chosen file as a CSV or JSON import; the file's name or type tells which. */
export async function validateFileImport(file: File | undefined): Promise<ImportValidation> {
  if (!file) return { ok: false, errors: { file: 'Choose a CSV or JSON file.' } };
  if (file.size === 0) return { ok: false, errors: { file: 'The file is empty.' } };
  if (file.size > MAX_IMPORT_BYTES) return { ok: false, errors: { file: 'The file is larger than 5 MB.' } };
  const name = file.name.toLowerCase();
  const text = await file.text();
  if (name.endsWith('.csv') || file.type === 'text/csv')
    return { ok: true, request: { kind: 'csv', body: text } };
  if (!(name.endsWith('.json') || file.type === 'application/json'))
    return { ok: false, errors: { file: 'Only .csv and .json files can be imported.' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: { file: `The file is not valid JSON: ${(error as Error).message}` } };
  }
  if (isObject(parsed) && Array.isArray(parsed.receipts))
    return {
      ok: true,
      request: { kind: 'batch', body: parsed as components['schemas']['ReceiptBatchInput'] },
    };
  if (isObject(parsed) && Array.isArray(parsed.items))
    return { ok: true, request: { kind: 'json', body: parsed as components['schemas']['ReceiptInput'] } };
  return {
    ok: false,
    errors: {
      file: 'The JSON must be one receipt ({ storeSlug, purchasedAt, currency, items }) or { receipts: [...] }.',
    },
  };
}
