/**
 * Receipt OCR accuracy and speed (bench/README.md, "receipt-ocr"): runs receipt-ingest's photo pipeline
 * (image preparation, tesseract.js with one worker, the text-receipt parser) on every image of the test
 * set (generate.ts) and compares the draft's lines with the true lines. A true line counts as read when
 * one draft line has the same paid amount and a name within normalised edit distance 0.2 (Levenshtein
 * distance, fastest-levenshtein, over the longer name's length, after upper-casing and collapsing spaces), each draft line
 * matching one true line at most. Writes bench/results/receipt-ocr.{json,md}.
 * Run: `pnpm build && pnpm exec tsx bench/receipt-ocr/run.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { OcrPool, recognizeReceipt } from '@cartwatch/receipt-ingest/receipts/photo/recognize';
import { distance } from 'fastest-levenshtein';

const images = fileURLToPath(new URL('./images/', import.meta.url));
const results = fileURLToPath(new URL('../results/', import.meta.url));

interface TrueLine {
  name: string;
  paidCents: number;
}

export function normalizeName(name: string): string {
  return name.toUpperCase().replace(/\s+/g, ' ').trim();
}

export function nameRight(truth: string, read: string): boolean {
  const a = normalizeName(truth);
  const b = normalizeName(read);
  return distance(a, b) / Math.max(a.length, b.length, 1) <= 0.2;
}

function score(truth: TrueLine[], read: TrueLine[]): { right: number; extra: number; misses: string[] } {
  const unused = [...read];
  const misses: string[] = [];
  let right = 0;
  for (const line of truth) {
    const index = unused.findIndex(
      (candidate) => candidate.paidCents === line.paidCents && nameRight(line.name, candidate.name),
    );
    if (index === -1) misses.push(`${line.name} ${line.paidCents}`);
    else {
      right += 1;
      unused.splice(index, 1);
    }
  }
  return { right, extra: unused.length, misses };
}

async function main(): Promise<void> {
  const truth = JSON.parse(readFileSync(`${images}truth.json`, 'utf8')) as Record<
    string,
    { layout: string; degraded: boolean; lines: TrueLine[] }
  >;
  const ocr = new OcrPool(1);
  const load = loadavg()[0] ?? 0;
  const perImage: Array<{
    image: string;
    degraded: boolean;
    lines: number;
    right: number;
    extra: number;
    seconds: number;
    misses: string[];
  }> = [];
  try {
    // Start the worker before timing (loading the model is once per process, not per receipt).
    await ocr.recognize(readFileSync(`${images}${Object.keys(truth)[0]}`));
    for (const [image, expected] of Object.entries(truth)) {
      const started = process.hrtime.bigint();
      const { draft } = await recognizeReceipt(
        { bytes: readFileSync(`${images}${image}`), type: 'image/jpeg' },
        { ocr, stores: [], defaultCurrency: 'USD', maxPixels: 50_000_000 },
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { right, extra, misses } = score(expected.lines, draft.lines);
      perImage.push({
        image,
        degraded: expected.degraded,
        lines: expected.lines.length,
        right,
        extra,
        seconds,
        misses,
      });
      console.log(
        `${image}: ${right}/${expected.lines.length} right, ${extra} extra, ${seconds.toFixed(2)} s${misses.length ? ` — missed ${misses.join('; ')}` : ''}`,
      );
    }
  } finally {
    await ocr.close();
  }
  const summary = (degraded: boolean) => {
    const rows = perImage.filter((row) => row.degraded === degraded);
    const lines = rows.reduce((sum, row) => sum + row.lines, 0);
    const right = rows.reduce((sum, row) => sum + row.right, 0);
    const seconds = rows.map((row) => row.seconds).sort((a, b) => a - b);
    return {
      images: rows.length,
      lines,
      right,
      accuracy: Math.round((right / lines) * 1000) / 10,
      extraLines: rows.reduce((sum, row) => sum + row.extra, 0),
      imagesAllRight: rows.filter((row) => row.right === row.lines).length,
      secondsPerReceipt:
        Math.round((seconds.reduce((sum, value) => sum + value, 0) / rows.length) * 100) / 100,
      secondsP95: Math.round((seconds[Math.floor(seconds.length * 0.95)] ?? 0) * 100) / 100,
    };
  };
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      node: process.version,
      loadAverageAtStart: load,
    },
    ocrWorkers: 1,
    clean: summary(false),
    degraded: summary(true),
    targets: { cleanAccuracy: 95, degradedAccuracy: 85 },
    perImage,
  };
  writeFileSync(`${results}receipt-ocr.json`, `${JSON.stringify(result, null, 2)}\n`);
  const row = (label: string, s: ReturnType<typeof summary>) =>
    `| ${label} | ${s.images} | ${s.right} / ${s.lines} | **${s.accuracy} %** | ${s.imagesAllRight} | ${s.extraLines} | ${s.secondsPerReceipt} | ${s.secondsP95} |`;
  const markdown = [
    '# Receipt OCR (bench/receipt-ocr)',
    '',
    `${result.date}, ${result.machine.cpus} vCPUs (${result.machine.model}), Node ${result.machine.node}, load average ${load.toFixed(2)} at start, 1 OCR worker.`,
    'A line is right when its name (normalised edit distance <= 0.2) and its paid amount both are.',
    '',
    '| set | images | lines right | accuracy | images all right | extra lines | s / receipt | p95 s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('clean', result.clean),
    row('degraded', result.degraded),
    '',
    `Targets: >= ${result.targets.cleanAccuracy} % clean, >= ${result.targets.degradedAccuracy} % degraded.`,
    '',
    '## Missed lines',
    '',
    ...perImage
      .filter((image) => image.misses.length > 0)
      .map((image) => `- ${image.image}: ${image.misses.join('; ')}`),
    '',
  ].join('\n');
  writeFileSync(`${results}receipt-ocr.md`, markdown);
  console.log(
    `clean ${result.clean.accuracy} %, degraded ${result.degraded.accuracy} %, ${result.clean.secondsPerReceipt} / ${result.degraded.secondsPerReceipt} s per receipt`,
  );
}

await main();
