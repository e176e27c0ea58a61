/**
 * Reads retail barcodes (EAN-13, EAN-8, UPC-A, UPC-E) from camera frames or a photo. The browser's own
 * BarcodeDetector is used where it reads these formats (Android, ChromeOS, macOS); elsewhere zxing-wasm,
 * the WebAssembly build of the maintained zxing-cpp decoder, whose .wasm is served by the app itself
 * (never a CDN), which is why the Content-Security-Policy allows 'wasm-unsafe-eval' (docs/security.md).
 * This module is only ever loaded lazily, with the scanner, so the first screen does not pay for it.
 */
import { prepareZXingModule, type ReadResult, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

export type BarcodeSource = ImageData | Blob;
export type Decode = (source: BarcodeSource) => Promise<string | null>;

const NATIVE_FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e'];

interface NativeDetector {
  detect(source: ImageBitmapSource): Promise<{ rawValue: string }[]>;
}
interface NativeDetectorClass {
  new (options: { formats: string[] }): NativeDetector;
  getSupportedFormats(): Promise<string[]>;
}

/** Digits only and a valid GS1 check digit, else null (a misread never becomes a search). */
export function validGtin(value: string): string | null {
  if (!/^(\d{8}|\d{12,14})$/.test(value)) return null;
  const digits = [...value].map(Number);
  const check = digits.pop() ?? 0;
  const sum = digits.reverse().reduce((total, digit, index) => total + digit * (index % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check ? value : null;
}

async function nativeDecoder(): Promise<Decode | null> {
  const Detector = (globalThis as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  const supported = await Detector.getSupportedFormats().catch(() => [] as string[]);
  const formats = NATIVE_FORMATS.filter((format) => supported.includes(format));
  if (!formats.includes('ean_13')) return null;
  const detector = new Detector({ formats });
  return async (source) => {
    const image = source instanceof Blob ? await createImageBitmap(source) : source;
    const [found] = await detector.detect(image);
    return found ? validGtin(found.rawValue) : null;
  };
}

function zxingDecoder(): Decode {
  prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path),
    },
  });
  return async (source) => {
    const results: ReadResult[] = await readBarcodes(source, {
      formats: ['EAN13', 'EAN8', 'UPCA', 'UPCE'],
      tryHarder: true,
      maxNumberOfSymbols: 1,
    });
    const found = results.find((result) => result.isValid);
    return found ? validGtin(found.text) : null;
  };
}

/** The best decoder this browser has. */
export async function createDecoder(): Promise<Decode> {
  return (await nativeDecoder()) ?? zxingDecoder();
}
