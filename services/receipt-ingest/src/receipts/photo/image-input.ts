/**
 * What an uploaded photo is: its type from its first bytes (never from the client's word alone), its size
 * in pixels, and a sharp pipeline over its pixels. sharp (libvips) decodes JPEG, PNG and WebP; its
 * prebuilt binaries have no HEVC decoder, so HEIC (what iPhones save) is decoded by heic-decode, the
 * libheif build for Node (docs/receipt-ingest.md#receipts-from-photos). Both are loaded by the first photo,
 * not at start: together they hold ~40 MiB of a process's memory (bench/README.md "memory").
 */
import { AppError } from '@cartwatch/service-kit';
import type { Sharp } from 'sharp';

/** sharp's entry point, loaded on first use (also prepare-image.ts). */
export async function loadSharp(): Promise<typeof import('sharp').default> {
  return (await import('sharp')).default;
}

async function loadHeicDecode(): Promise<typeof import('heic-decode').default> {
  return (await import('heic-decode')).default;
}

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';
export const photoTypes: readonly PhotoType[] = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'];

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

/** The image type the bytes start with, or undefined when they are none of the accepted ones. */
export function sniffPhotoType(bytes: Buffer): PhotoType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  )
    return 'image/webp';
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp') {
    if (HEIF_BRANDS.has(bytes.toString('latin1', 8, 12))) return 'image/heic';
  }
  return undefined;
}

const notAnImage = () =>
  AppError.unprocessable('the upload is not a JPEG, PNG, WebP or HEIC image', {
    accepted: [...photoTypes],
  });

/** Checks an upload is a decodable image within the pixel cap; throws 422 / 413 in the error shape. */
export async function inspectPhoto(
  bytes: Buffer,
  maxPixels: number,
): Promise<{ type: PhotoType; width: number; height: number }> {
  const type = sniffPhotoType(bytes);
  if (type === undefined) throw notAnImage();
  let width: number | undefined;
  let height: number | undefined;
  try {
    if (type === 'image/heic') {
      const decodeHeic = await loadHeicDecode();
      const [first] = await decodeHeic.all({ buffer: bytes });
      width = first?.width;
      height = first?.height;
    } else {
      const sharp = await loadSharp();
      const metadata = await sharp(bytes).metadata();
      width = metadata.width;
      height = metadata.height;
    }
  } catch {
    throw notAnImage();
  }
  if (!width || !height) throw notAnImage();
  if (width * height > maxPixels) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `the image has ${width}×${height} pixels, more than ${maxPixels}`,
      {
        maxPixels,
        width,
        height,
      },
    );
  }
  return { type, width, height };
}

/** A sharp pipeline over the photo's pixels, turned upright by its EXIF orientation. */
export async function openPhoto(bytes: Buffer, type: string, maxPixels: number): Promise<Sharp> {
  const sharp = await loadSharp();
  if (type === 'image/heic') {
    const decodeHeic = await loadHeicDecode();
    const image = await decodeHeic({ buffer: bytes });
    if (image.width * image.height > maxPixels) throw new Error('the image has too many pixels');
    return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
      raw: { width: image.width, height: image.height, channels: 4 },
    });
  }
  // .rotate() without an angle applies the EXIF orientation (phones store the photo sideways plus a tag).
  return sharp(bytes, { limitInputPixels: maxPixels }).rotate();
}
