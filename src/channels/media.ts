import sharp from 'sharp';
import { AppError } from '../errors.ts';
import { LIMITS } from '../intake/message-content.ts';

/**
 * Inbound media. Images are decoded and re-encoded in memory, which drops EXIF, GPS and every other
 * metadata block (a phone photo can carry the exact place it was taken); nothing touches the disk.
 */
export async function stripImage(bytes: Buffer): Promise<{ data: Buffer; mime: string }> {
  if (bytes.length > LIMITS.attachmentBytes) throw new AppError('payload_too_large', 'Image too large');
  try {
    const data = await sharp(bytes, { limitInputPixels: 40_000_000, failOn: 'error' })
      .rotate() // apply the EXIF orientation before the EXIF block is dropped
      .jpeg({ quality: 85 })
      .toBuffer();
    return { data, mime: 'image/jpeg' };
  } catch {
    throw new AppError('unsupported_media_type', 'Not an image we can read');
  }
}

/** Voice and audio are kept as sent (no location metadata in Opus/OGG voice notes), within the size limit. */
export function checkAudio(bytes: Buffer, mime: string): { data: Buffer; mime: string } {
  if (bytes.length > LIMITS.attachmentBytes) throw new AppError('payload_too_large', 'Audio too large');
  if (!/^audio\/(ogg|mpeg|mp4|aac|wav|x-wav|amr|webm)$/.test(mime))
    throw new AppError('unsupported_media_type', 'Unsupported audio type');
  return { data: bytes, mime };
}
