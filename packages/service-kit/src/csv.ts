/**
 * CSV request bodies, streamed (docs/architecture.md#libraries-and-why, csv-parse): the body passes a byte
 * cap (413) into csv-parse and comes out one record at a time with its line number, so a file is never
 * held whole in memory. A malformed file, or one with more rows than allowed, is rejected with a 400
 * `VALIDATION_FAILED` whose issue path names the line (`lines.<n>`).
 */
import { type Readable, Transform } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { AppError } from './app-error.js';

/** The message of every CSV rejection: the file is refused before anything is written. */
export const CSV_REJECTED = 'the CSV was rejected; nothing was imported';

export interface CsvRow {
  /** Cells by column name (the header row, named by `columns`); trimmed. */
  record: Record<string, string>;
  /** 1-based line of the file the record ends on (the header is line 1). */
  line: number;
}

export interface CsvReadOptions {
  /** Data rows allowed; one more rejects the file, naming the cap and the line. */
  maxRows: number;
  /** Column names from the header row; default: each trimmed. */
  columns?: (header: string[]) => string[];
  /** Largest single record in bytes; default 64 KiB. */
  maxRecordBytes?: number;
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size in the BODY_LIMIT form (`512kb`, `1mb`, `100b`) in bytes. */
export function sizeInBytes(size: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(size);
  const unit = match?.[2]?.toLowerCase();
  if (!match || !unit) throw new Error(`not a size like 512kb or 1mb: ${size}`);
  return Number(match[1]) * (UNITS[unit] ?? 1);
}

/** The request body as a stream that fails with 413 `PAYLOAD_TOO_LARGE` once it passes `maxBytes`. */
export function limitedBody(body: Readable, maxBytes: number): Readable {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes)
        callback(new AppError('PAYLOAD_TOO_LARGE', `the CSV is larger than ${maxBytes} bytes`));
      else callback(null, chunk);
    },
  });
  body.on('error', (error) => limiter.destroy(error));
  return body.pipe(limiter);
}

/**
 * The records of a CSV stream, header excluded, in order. Throws AppError 400 naming the line for a
 * malformed record (csv-parse's error code: an unclosed quote, a row with another number of cells than
 * the header, ...) and `too_many_rows` (with the cap) for row `maxRows + 1`; 413 from `limitedBody`
 * passes through. Stopping early (a `break`) discards the rest of the input.
 */
export async function* readCsvRows(input: Readable, options: CsvReadOptions): AsyncGenerator<CsvRow> {
  const columns = options.columns ?? ((header: string[]) => header.map((name) => name.trim()));
  const parser = input.pipe(
    parse({
      columns,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      max_record_size: options.maxRecordBytes ?? 64 * 1024,
    }),
  );
  // A failing input (413, a broken connection) ends the parse with its error.
  input.on('error', (error) => parser.destroy(error));
  let rows = 0;
  let finished = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      rows += 1;
      if (rows > options.maxRows) {
        throw AppError.validation(
          [
            {
              path: `lines.${info.lines}`,
              message: `more than ${options.maxRows} rows`,
              code: 'too_many_rows',
            },
          ],
          `${CSV_REJECTED}: at most ${options.maxRows} rows`,
        );
      }
      yield { record, line: info.lines };
    }
    finished = true;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw AppError.validation(
        [{ path: line === undefined ? 'lines' : `lines.${line}`, message: error.message, code: error.code }],
        CSV_REJECTED,
      );
    }
    throw error;
  } finally {
    if (!finished) {
      // Stop reading: the rest of the body is drained and dropped, so the answer can still be sent.
      input.unpipe(parser);
      parser.destroy();
      if (!input.destroyed) input.resume();
    }
  }
}
