/**
 * The OCR worker pool: a tesseract.js scheduler over N workers (worker threads, PHOTO_OCR_WORKERS), so at
 * most N photos are recognised at once per process and the HTTP event loop never runs OCR itself. The
 * English model comes from the `@tesseract.js-data/eng` npm package: `langPath` and `cachePath` point at
 * its files, so nothing is downloaded at run time.
 *
 * The workers start with the first photo and end once no photo has come for `idleMs`: worker threads
 * count in the process's own memory (each holds its WebAssembly heap and the model), so an idle process
 * keeps none; tesseract.js itself is loaded by the first photo too.
 */
import { createRequire } from 'node:module';
import type { Scheduler } from 'tesseract.js';

/** A recognised text line: its words' mean confidence (0..100) and its box in the OCR image's pixels. */
export interface OcrLine {
  text: string;
  confidence: number;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}

export interface OcrResult {
  lines: OcrLine[];
  confidence: number;
}

export interface Ocr {
  recognize(image: Buffer): Promise<OcrResult>;
  close(): Promise<void>;
}

/** The folder of the npm-installed English model: the package exports it as `langPath` (gzip'd traineddata). */
export function englishModelPath(): string {
  const require = createRequire(import.meta.url);
  return (require('@tesseract.js-data/eng') as { langPath: string }).langPath;
}

interface TesseractLine {
  text: string;
  confidence: number;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}
interface TesseractPage {
  confidence: number;
  blocks: Array<{ paragraphs: Array<{ lines: TesseractLine[] }> }> | null;
}

/** How long the OCR workers stay up after the last photo. */
export const OCR_IDLE_MS = 60_000;

export class OcrPool implements Ocr {
  private scheduler: Promise<Scheduler> | undefined;
  private inFlight = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly workers: number,
    private readonly idleMs = OCR_IDLE_MS,
  ) {}

  /** The workers are running (for tests and diagnostics). */
  get running(): boolean {
    return this.scheduler !== undefined;
  }

  private start(): Promise<Scheduler> {
    this.scheduler ??= (async () => {
      const { createScheduler, createWorker, OEM, PSM } = await import('tesseract.js');
      const scheduler = createScheduler();
      const langPath = englishModelPath();
      for (let index = 0; index < this.workers; index++) {
        const worker = await createWorker('eng', OEM.LSTM_ONLY, {
          langPath,
          cachePath: langPath,
          cacheMethod: 'readOnly',
          gzip: true,
        });
        // A receipt is one column of text lines; keep the spaces that separate names from prices.
        await worker.setParameters({
          tessedit_pageseg_mode: PSM.SINGLE_BLOCK,
          preserve_interword_spaces: '1',
          // Photos carry no trustworthy resolution; the prepared image has receipt text at ~300 dpi size.
          user_defined_dpi: '300',
        });
        scheduler.addWorker(worker);
      }
      return scheduler;
    })();
    return this.scheduler;
  }

  async recognize(image: Buffer): Promise<OcrResult> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.inFlight += 1;
    let result: { data: TesseractPage };
    try {
      const scheduler = await this.start();
      result = (await scheduler.addJob('recognize', image, {}, { blocks: true, text: true })) as {
        data: TesseractPage;
      };
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.closeWhenIdle();
    }
    const lines: OcrLine[] = [];
    for (const block of result.data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          const text = line.text.replace(/\n+$/, '');
          if (text.trim() === '') continue;
          lines.push({ text, confidence: line.confidence, bbox: line.bbox });
        }
      }
    }
    return { lines, confidence: result.data.confidence };
  }

  private closeWhenIdle(): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.inFlight === 0) void this.close().catch(() => {});
    }, this.idleMs);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Forgotten before it ends: a photo that comes meanwhile starts workers of its own.
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    if (scheduler) await (await scheduler).terminate();
  }
}
