import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Images the API returns inline, as data URLs, so the page needs no second request and no bucket
 * access of its own (A7, A8).
 */

/** Returns the image as a data URL; reads S3 once per execution environment. */
export type ImageLoader = () => Promise<string>;

/**
 * Lambda's response limit is 6 MB and base64 adds a third; anything near this size belongs on the
 * CDN as a plain URL instead.
 */
export const MAX_IMAGE_BYTES = 1024 * 1024;

/** Used when S3 holds no usable Content-Type (e.g. an object uploaded without one). */
const TYPE_BY_EXTENSION: Record<string, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/**
 * A loader that caches the image for the life of the execution environment (warm invocations skip
 * S3). A failed read is not cached, so the next invocation tries again.
 */
export function imageLoader(s3: S3Client, bucket: string, key: string): ImageLoader {
  let image: Promise<string> | undefined;
  return () => {
    image ??= readImage(s3, bucket, key).catch((error: unknown) => {
      image = undefined;
      throw error;
    });
    return image;
  };
}

async function readImage(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  const bytes = await object.Body.transformToByteArray();
  if (bytes.byteLength > MAX_IMAGE_BYTES) {
    throw new Error(`s3://${bucket}/${key} is ${bytes.byteLength} bytes; keep images under ${MAX_IMAGE_BYTES} bytes so responses stay within Lambda's 6 MB limit`);
  }
  return dataUrl(imageContentType(key, object.ContentType), bytes);
}

/** S3's Content-Type when it names an image, else one inferred from the key's extension. */
export function imageContentType(key: string, contentType: string | undefined): string {
  if (contentType?.startsWith('image/')) return contentType;
  const extension = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return TYPE_BY_EXTENSION[extension] ?? contentType ?? 'application/octet-stream';
}

export function dataUrl(contentType: string, bytes: Uint8Array): string {
  return `data:${contentType};base64,${Buffer.from(bytes).toString('base64')}`;
}
