import { z } from 'zod';
import type { RenderedFrame, RenderRequest } from '../renderer';

/**
 * What travels through Redis between a sync instance and the render workers, and how it is
 * checked on arrival: a job or a result read from Redis is input like any other.
 */

/** Job name in the queue (one kind of job). */
export const RENDER_JOB = 'render';

/** The events stream carries each frame (the completed event's return value): keep it short. */
export const EVENTS_MAX_LEN = 500;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const renderJobSchema = z.object({
  roomId: z.string().min(1).max(64),
  modelId: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  version: z.number().int().nonnegative(),
  quality: z.enum(['draft', 'full']),
  format: z.enum(['webp', 'jpeg', 'png']),
  /** Label ids, one byte a pixel. */
  labels: base64,
  /** Style latent, float32 little-endian. */
  z: base64,
});
export type RenderJobData = z.infer<typeof renderJobSchema>;

export const renderResultSchema = z.object({
  quality: z.enum(['draft', 'full']),
  /** The encoded image. */
  bytes: base64,
});
export type RenderJobResult = z.infer<typeof renderResultSchema>;

/** The value if it fits the schema, else an error listing what does not (one line, for logs and failed jobs). */
function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; '));
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function encodeJob(request: RenderRequest): RenderJobData {
  const { roomId, modelId, version, quality, format } = request;
  return {
    roomId,
    modelId,
    version,
    quality,
    format,
    labels: toBase64(request.labels),
    z: toBase64(new Uint8Array(request.z.buffer, request.z.byteOffset, request.z.byteLength)),
  };
}

/** Checks and decodes a job's data; throws with the reason when it is not a render job. */
export function decodeJob(data: unknown): RenderRequest {
  const job = check(renderJobSchema, data);
  const zBytes = Buffer.from(job.z, 'base64');
  if (zBytes.byteLength % 4 !== 0) throw new Error(`style latent is ${zBytes.byteLength} bytes, not whole float32 values`);
  // Copied into an aligned buffer: a Float32Array cannot view a Buffer at an odd offset.
  const z = new Float32Array(zBytes.byteLength / 4);
  new Uint8Array(z.buffer).set(zBytes);
  return { ...job, labels: new Uint8Array(Buffer.from(job.labels, 'base64')), z };
}

export function encodeResult(frame: RenderedFrame): RenderJobResult {
  return { quality: frame.quality, bytes: frame.bytes.toString('base64') };
}

export function decodeResult(value: unknown): RenderedFrame {
  const result = check(renderResultSchema, value);
  return { quality: result.quality, bytes: Buffer.from(result.bytes, 'base64') };
}
