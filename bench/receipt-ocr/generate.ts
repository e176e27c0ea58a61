/**
 * Makes the receipt-photo test set (bench/README.md, "receipt-ocr"): each receipt layout the text parser
 * knows (services/receipt-ingest/test/fixtures/text-receipts) rendered from HTML in Chromium in three
 * receipt-style monospace faces, screenshotted, and a degraded copy of each made with sharp (rotation
 * 2-5°, blur, uneven lighting, JPEG quality 40-60). Writes grayscale JPEGs and `truth.json` (the true
 * lines of every image) to bench/receipt-ocr/images/. Deterministic: the degradations come from a seeded
 * generator. Run: `pnpm exec tsx bench/receipt-ocr/generate.ts` (needs /usr/bin/chromium).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import sharp from 'sharp';

const layouts = fileURLToPath(
  new URL('../../services/receipt-ingest/test/fixtures/text-receipts/', import.meta.url),
);
const out = fileURLToPath(new URL('./images/', import.meta.url));

/** Thermal-printer looks from the fonts Debian ships (fonts-dejavu, fonts-liberation). */
const faces = [
  { id: 'dejavu', css: "font-family: 'DejaVu Sans Mono'; font-size: 15px; line-height: 1.25;" },
  { id: 'liberation-bold', css: "font-family: 'Liberation Mono'; font-weight: bold; font-size: 15px;" },
  {
    id: 'liberation-narrow',
    css: "font-family: 'Liberation Mono'; font-size: 16px; letter-spacing: -0.5px; line-height: 1.15;",
  },
];

interface TrueLine {
  name: string;
  paidCents: number;
}

/** mulberry32: a small seeded generator, so every run makes the same images. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function html(text: string, css: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!doctype html><html><body style="margin:0;background:#6b6b6b;padding:48px">
<pre id="receipt" style="display:inline-block;margin:0;padding:28px 22px;background:#fbfaf5;color:#222;${css}">${escaped}</pre>
</body></html>`;
}

/** Rotated 2-5° either way, blurred, lit unevenly (a dark corner), saved at JPEG quality 40-60. */
async function degrade(clean: Buffer, random: () => number): Promise<Buffer> {
  const angle = (2 + random() * 3) * (random() < 0.5 ? -1 : 1);
  const rotated = await sharp(clean)
    .rotate(angle, { background: '#6b6b6b' })
    .blur(0.6 + random() * 0.6)
    .toBuffer({ resolveWithObject: true });
  const { width, height } = rotated.info;
  const dark = Math.round(60 + random() * 50);
  const x1 = random() < 0.5 ? '0%' : '100%';
  const shade = Buffer.from(
    `<svg width="${width}" height="${height}"><defs><linearGradient id="g" x1="${x1}" y1="0%" x2="${x1 === '0%' ? '100%' : '0%'}" y2="100%">` +
      `<stop offset="0%" stop-color="rgb(${255 - dark},${255 - dark},${255 - dark})"/><stop offset="100%" stop-color="white"/>` +
      `</linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
  return sharp(rotated.data)
    .composite([{ input: shade, blend: 'multiply' }])
    .grayscale()
    .jpeg({ quality: Math.round(40 + random() * 20) })
    .toBuffer();
}

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const random = seeded(23);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
  const truth: Record<string, { layout: string; face: string; degraded: boolean; lines: TrueLine[] }> = {};
  try {
    for (const file of readdirSync(layouts)
      .filter((name) => name.endsWith('.txt'))
      .sort()) {
      const layout = file.replace(/\.txt$/, '');
      const text = readFileSync(`${layouts}${file}`, 'utf8');
      const expected = JSON.parse(readFileSync(`${layouts}${layout}.expected.json`, 'utf8')) as {
        items: TrueLine[];
      };
      const lines = expected.items.map(({ name, paidCents }) => ({ name, paidCents }));
      for (const face of faces) {
        await page.setContent(html(text, face.css));
        const shot = await page.locator('body').screenshot();
        // The paper on a strip of table around it, as a photo taken close up.
        const paper = await sharp(shot).trim({ threshold: 1 }).toBuffer();
        const clean = await sharp(paper)
          .extend({ top: 36, bottom: 36, left: 36, right: 36, background: '#6b6b6b' })
          .grayscale()
          .jpeg({ quality: 80 })
          .toBuffer();
        const name = `${layout}.${face.id}`;
        writeFileSync(`${out}${name}.clean.jpg`, clean);
        truth[`${name}.clean.jpg`] = { layout, face: face.id, degraded: false, lines };
        writeFileSync(`${out}${name}.degraded.jpg`, await degrade(clean, random));
        truth[`${name}.degraded.jpg`] = { layout, face: face.id, degraded: true, lines };
      }
    }
  } finally {
    await browser.close();
  }
  writeFileSync(`${out}truth.json`, `${JSON.stringify(truth, null, 2)}\n`);
  console.log(`wrote ${Object.keys(truth).length} images to ${out}`);
}

await main();
