/** The whole photo pipeline for one image: upright, prepared, recognised, parsed into a draft (worker and bench). */
import { openPhoto } from './image-input.js';
import type { Ocr } from './ocr-pool.js';
import type { PhotoDraft } from './photo.schemas.js';
import { buildDraft, type KnownStore } from './photo-draft.js';
import { preparePhoto } from './prepare-image.js';

export { OcrPool } from './ocr-pool.js';

export async function recognizeReceipt(
  photo: { bytes: Buffer; type: string },
  options: { ocr: Ocr; stores: readonly KnownStore[]; defaultCurrency: string; maxPixels: number },
): Promise<{ draft: PhotoDraft; display: Buffer }> {
  const prepared = await preparePhoto(await openPhoto(photo.bytes, photo.type, options.maxPixels));
  const ocr = await options.ocr.recognize(prepared.ocrImage);
  return {
    draft: buildDraft(ocr, prepared, options.stores, options.defaultCurrency),
    display: prepared.display,
  };
}
