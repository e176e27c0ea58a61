/** Streamed CSV bodies: records with their line, the row cap, malformed rows and the byte cap. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError, type CsvRow, limitedBody, readCsvRows, sizeInBytes } from '../src/index.js';

async function readAll(input: Readable, maxRows = 100): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(input, { maxRows })) rows.push(row);
  return rows;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('readCsvRows', () => {
  it('reads records by the header, trimmed, quoted fields intact, with the line each ends on', async () => {
    const csv = ' name , note\nOat milk,"two, ""quoted"""\n\nCarrots,"across\nlines"\nEggs,\n';
    expect(await readAll(Readable.from([csv]))).toEqual([
      { record: { name: 'Oat milk', note: 'two, "quoted"' }, line: 2 },
      { record: { name: 'Carrots', note: 'across\nlines' }, line: 5 },
      { record: { name: 'Eggs', note: '' }, line: 6 },
    ]);
  });

  it('hands out a record before the body has ended (the file is never held whole)', async () => {
    let releaseRest: () => void = () => {};
    const restMayCome = new Promise<void>((resolve) => {
      releaseRest = resolve;
    });
    // The body sends its first rows, then waits for the reader to have seen one before sending more.
    const body = Readable.from(
      (async function* () {
        // csv-parse looks a few bytes ahead (a \r\n, a closing quote), so the next row has begun.
        yield 'name,price\nOat milk,1.99\nItem -1,0.9';
        await restMayCome;
        yield '9\n';
        for (let index = 0; index < 1_000; index += 1) yield `Item ${index},0.99\n`;
      })(),
    );
    const seen: string[] = [];
    for await (const { record } of readCsvRows(body, { maxRows: 10_000 })) {
      seen.push(record.name ?? '');
      if (seen.length === 1) releaseRest();
    }
    expect(seen[0]).toBe('Oat milk');
    expect(seen).toHaveLength(1_002);
  });

  it('rejects the row past the cap with 400, naming the cap and its line', async () => {
    const csv = ['name', 'a', 'b', 'c'].join('\n');
    const error = await rejection(readAll(Readable.from([csv]), 2));
    expect(error.status).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('at most 2 rows');
    expect(error.details).toEqual({
      issues: [{ path: 'lines.4', message: 'more than 2 rows', code: 'too_many_rows' }],
    });
  });

  it('rejects a malformed row with 400 naming its line', async () => {
    const wrongCells = await rejection(readAll(Readable.from(['name,price\nOat milk,1.99\nCarrots\n'])));
    expect(wrongCells.status).toBe(400);
    expect(wrongCells.details).toEqual({
      issues: [expect.objectContaining({ path: 'lines.3', code: 'CSV_RECORD_INCONSISTENT_COLUMNS' })],
    });
    const unclosed = await rejection(readAll(Readable.from(['name,price\nOat milk,1.99\n"Carrots,2\n'])));
    expect(unclosed.details).toEqual({
      issues: [expect.objectContaining({ path: 'lines.3', code: 'CSV_QUOTE_NOT_CLOSED' })],
    });
  });

  it('stops at 413 once the body passes its byte cap', async () => {
    const body = Readable.from(['name\n', 'a'.repeat(600), '\n', 'b'.repeat(600), '\n']);
    const error = await rejection(readAll(limitedBody(body, 1_000)));
    expect([error.status, error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });
});

describe('sizeInBytes', () => {
  it('reads the BODY_LIMIT sizes', () => {
    expect([sizeInBytes('100b'), sizeInBytes('512kb'), sizeInBytes('1MB')]).toEqual([
      100, 524_288, 1_048_576,
    ]);
    expect(() => sizeInBytes('1gb')).toThrow(/512kb or 1mb/);
  });
});
