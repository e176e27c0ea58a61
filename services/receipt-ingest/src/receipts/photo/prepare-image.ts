/**
 * Image preparation before OCR (sharp): upright by EXIF orientation, grayscale, contrast stretched
 * (normalise), scaled so text is about the size tesseract reads best, cropped to the receipt (trim of the
 * even background around it). Thresholding is left to tesseract (its own Otsu binarisation copes with
 * uneven light better than one global threshold); deskew is not done: the benchmark
 * (bench/receipt-ocr) measured tesseract's own line finding on 2-5° tilts (docs/receipt-ingest.md).
 */
import sharp, { type Sharp } from 'sharp';

/** Width of the OCR image in pixels: receipt text (32-42 columns) then is ~25-35 px per character. */
export const OCR_WIDTH = 1400;
/** Longest side of the photo kept for the review screen. */
export const DISPLAY_MAX = 1600;

export interface PreparedPhoto {
  /** The PNG tesseract reads. */
  ocrImage: Buffer;
  /** The upright JPEG the review screen shows; regions are fractions of it. */
  display: Buffer;
  displayWidth: number;
  displayHeight: number;
  /** Maps a box of the OCR image to fractions of the upright photo. */
  toRegion(box: { x0: number; y0: number; x1: number; y1: number }): {
    x: number;
    y: number;
    width: number;
    height: number;
  };
}

export async function preparePhoto(upright: Sharp): Promise<PreparedPhoto> {
  // One decode: the upright pixels, then both images from them.
  const { data, info } = await upright.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };

  const display = await sharp(data, raw)
    .resize({ width: DISPLAY_MAX, height: DISPLAY_MAX, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 82 })
    .toBuffer({ resolveWithObject: true });

  const scaled = await sharp(data, raw)
    .grayscale()
    .normalise()
    .resize({ width: OCR_WIDTH })
    .png()
    .toBuffer({ resolveWithObject: true });

  // Crop to the receipt: trim the background around the paper; a photo that fills the frame is kept whole.
  let ocrImage = scaled.data;
  let offsetLeft = 0;
  let offsetTop = 0;
  try {
    const trimmed = await sharp(scaled.data)
      .trim({ threshold: 40 })
      .png()
      .toBuffer({ resolveWithObject: true });
    if (trimmed.info.width > OCR_WIDTH * 0.3 && trimmed.info.height > scaled.info.height * 0.2) {
      ocrImage = trimmed.data;
      offsetLeft = -(trimmed.info.trimOffsetLeft ?? 0);
      offsetTop = -(trimmed.info.trimOffsetTop ?? 0);
    }
  } catch {
    // Nothing to trim (an even image): keep it whole.
  }
  const fullWidth = OCR_WIDTH;
  const fullHeight = scaled.info.height;
  const clamp = (value: number) => Math.min(1, Math.max(0, value));
  return {
    ocrImage,
    display: display.data,
    displayWidth: display.info.width,
    displayHeight: display.info.height,
    toRegion(box) {
      const x = clamp((box.x0 + offsetLeft) / fullWidth);
      const y = clamp((box.y0 + offsetTop) / fullHeight);
      return {
        x,
        y,
        width: clamp((box.x1 + offsetLeft) / fullWidth) - x,
        height: clamp((box.y1 + offsetTop) / fullHeight) - y,
      };
    },
  };
}
