import { describe, expect, it } from 'vitest';
import { validateFileImport, validateTextImport } from './receipt-import';

const file = (content: string, name: string, type = '') => new File([content], name, { type });

describe('validateTextImport', () => {
  it('names every missing or malformed field at once', () => {
    expect(validateTextImport({ storeSlug: '', text: '   ', currency: 'usd' })).toEqual({
      ok: false,
      errors: {
        storeSlug: 'Choose the store the receipt is from.',
        text: 'Paste the text of the receipt.',
        currency: 'Use a three-letter currency code such as USD.',
      },
    });
  });

  it('builds the /receipts/text body from valid input', () => {
    expect(validateTextImport({ storeSlug: 'fresh-mart', text: 'MILK 1.99', currency: 'EUR' })).toEqual({
      ok: true,
      request: { kind: 'text', body: { storeSlug: 'fresh-mart', text: 'MILK 1.99', currency: 'EUR' } },
    });
  });
});

describe('validateFileImport', () => {
  it('asks for a file, and refuses empty files and other formats', async () => {
    expect(await validateFileImport(undefined)).toMatchObject({ ok: false, errors: { file: /Choose/ } });
    expect(await validateFileImport(file('', 'r.csv'))).toMatchObject({
      ok: false,
      errors: { file: /empty/ },
    });
    expect(await validateFileImport(file('x', 'receipt.pdf', 'application/pdf'))).toMatchObject({
      ok: false,
      errors: { file: 'Only .csv and .json files can be imported.' },
    });
  });

  it('sends a CSV file as it is', async () => {
    const csv = 'store,purchased_at,name,unit_price\nfresh-mart,2026-11-03T17:20:00Z,Milk,1.29\n';
    expect(await validateFileImport(file(csv, 'March.CSV'))).toEqual({
      ok: true,
      request: { kind: 'csv', body: csv },
    });
  });

  it('tells one JSON receipt from a batch, and explains JSON it cannot use', async () => {
    const receipt = {
      storeSlug: 'fresh-mart',
      purchasedAt: '2026-11-03T17:20:00Z',
      currency: 'USD',
      items: [],
    };
    expect(await validateFileImport(file(JSON.stringify(receipt), 'r.json'))).toEqual({
      ok: true,
      request: { kind: 'json', body: receipt },
    });
    expect(await validateFileImport(file(JSON.stringify({ receipts: [receipt] }), 'r.json'))).toMatchObject({
      ok: true,
      request: { kind: 'batch' },
    });
    expect(await validateFileImport(file('{"items": [', 'r.json'))).toMatchObject({
      ok: false,
      errors: { file: /not valid JSON/ },
    });
    expect(await validateFileImport(file('[1,2]', 'r.json'))).toMatchObject({
      ok: false,
      errors: { file: /must be one receipt/ },
    });
  });
});
