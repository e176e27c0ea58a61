/**
 * Image preparation before OCR (sharp): upright by EXIF orientation, grayscale, contrast stretched
 * (normalise), scaled so text is about the size tesseract reads best, cropped to the receipt (trim of the
 * even background around it). Thresholding is left to tesseract (its own Otsu binarisation copes with
 * uneven light better than one global threshold); deskewed by the angle that makes the rows of text
 * sharpest (bench/receipt-ocr measured it: docs/receipt-ingest.md#receipts-from-photos).
 */
import type { Sharp } from 'sharp';
import { loadSharp } from './image-input.js';

/** Width of the OCR image in pixels: receipt text (32-42 columns) then is ~25-35 px per character. */
export const OCR_WIDTH = 1400;
/** Longest side of the photo kept for the review screen. */
export const DISPLAY_MAX = 1600;

export interface PreparedPhoto {
  /** The PNG tesseract reads. */
  ocrImage: Buffer;
  /** The upright, deskewed JPEG the review screen shows; regions are fractions of it. */
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

/** Skew angles tried, in degrees: phone photos of a receipt are rarely more than a few degrees off. */
const SKEW_RANGE = 6;
const SKEW_STEP = 0.5;

/**
 * The rotation (degrees, for sharp's `rotate`) that makes the text lines horizontal: the angle whose
 * horizontal projection of dark pixels is the most uneven (lines and gaps sharp, not smeared together).
 */
export async function estimateSkew(gray: Buffer): Promise<number> {
  const sharp = await loadSharp();
  const small = await sharp(gray).resize({ width: 480 }).threshold(150).png().toBuffer();
  let best = { angle: 0, score: -1 };
  for (let angle = -SKEW_RANGE; angle <= SKEW_RANGE + 1e-9; angle += SKEW_STEP) {
    const { data, info } = await sharp(small)
      .rotate(angle, { background: '#ffffff' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    let score = 0;
    let previous = 0;
    for (let y = 0; y < info.height; y++) {
      let dark = 0;
      const row = y * info.width * info.channels;
      for (let x = 0; x < info.width; x++) if ((data[row + x * info.channels] ?? 255) < 128) dark += 1;
      score += (dark - previous) ** 2;
      previous = dark;
    }
    if (score > best.score) best = { angle, score };
  }
  return Math.round(best.angle * 10) / 10;
}

export async function preparePhoto(upright: Sharp): Promise<PreparedPhoto> {
  const sharp = await loadSharp();
  // One decode: the upright pixels, then both images from them.
  const { data, info } = await upright.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };

  const scaled0 = await sharp(data, raw)
    .grayscale()
    .normalise()
    .resize({ width: OCR_WIDTH })
    .png()
    .toBuffer();
  const skew = await estimateSkew(scaled0);
  const display = await sharp(data, raw)
    .rotate(skew, { background: '#808080' })
    .resize({ width: DISPLAY_MAX, height: DISPLAY_MAX, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 82 })
    .toBuffer({ resolveWithObject: true });

  // Deskewed with the same angle as the review photo, so regions are fractions of both.
  const scaled =
    skew === 0
      ? await sharp(scaled0).png().toBuffer({ resolveWithObject: true })
      : await sharp(scaled0)
          .rotate(skew, { background: '#808080' })
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
  const fullWidth = scaled.info.width;
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
