/**
 * Real barcode images for the camera tests: zxing-wasm's writer (the zxing-cpp encoder) draws the
 * EAN-13 or UPC-A symbol, and the PNG becomes either a photo file or a Y4M video that Chromium plays as
 * its fake camera (`--use-file-for-fake-video-capture`): the symbol centred on white, 640×480, 4:2:0.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { prepareZXingModule, writeBarcode } from 'zxing-wasm/writer';

const require = createRequire(import.meta.url);
let ready: Promise<unknown> | undefined;

/** The PNG of `digits` as an EAN-13 or UPC-A symbol with its quiet zones, `scale` pixels per module. */
export async function barcodePng(digits: string, format: 'EAN13' | 'UPCA', scale = 3): Promise<Buffer> {
  // The writer's .wasm comes from the package itself, never from a CDN (tests reach loopback only).
  ready ??= prepareZXingModule({
    overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/writer/zxing_writer.wasm')).buffer },
    fireImmediately: true,
  });
  await ready;
  const written = await writeBarcode(digits, { format, scale });
  if (!written.image) throw new Error(`zxing could not write ${format} ${digits}: ${written.error}`);
  return Buffer.from(await written.image.arrayBuffer());
}

/** A one-frame Y4M video (Chromium loops it) showing the PNG centred on white. */
export async function writeCameraVideo(png: Buffer, file: string, width = 640, height = 480): Promise<void> {
  const image = PNG.sync.read(png);
  if (image.width > width || image.height > height)
    throw new Error('the barcode image is larger than the frame');
  const luma = Buffer.alloc(width * height, 235);
  const left = Math.floor((width - image.width) / 2);
  const top = Math.floor((height - image.height) / 2);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const at = (y * image.width + x) * 4;
      const [r = 255, g = 255, b = 255, a = 255] = image.data.subarray(at, at + 4);
      const gray = (0.299 * r + 0.587 * g + 0.114 * b) * (a / 255) + 255 * (1 - a / 255);
      // Video range: black 16, white 235.
      luma[(top + y) * width + left + x] = Math.round(16 + (gray / 255) * 219);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  await writeFile(
    file,
    Buffer.concat([
      Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`),
      luma,
      chroma,
    ]),
  );
}
