import { describe, expect, it } from 'vitest';
import { decodeJob, decodeResult, encodeJob, encodeResult } from '../../server/render/queue/jobs';
import type { RenderRequest } from '../../server/render/renderer';

const request: RenderRequest = {
  roomId: 'Room123',
  modelId: 'landscape',
  version: 42,
  labels: Uint8Array.from({ length: 64 }, (_, i) => i % 12),
  z: Float32Array.from({ length: 8 }, (_, i) => i / 3 - 1),
  quality: 'draft',
  format: 'webp',
};

describe('render job payloads', () => {
  it('a job survives the trip through JSON (Redis) bit for bit', () => {
    const decoded = decodeJob(JSON.parse(JSON.stringify(encodeJob(request))));
    expect(decoded).toEqual(request);
    expect(decoded.z).toBeInstanceOf(Float32Array);
  });

  it('a style latent viewed at an offset of a larger buffer is sent as its own values', () => {
    const backing = new Float32Array(16).fill(9);
    const z = backing.subarray(3, 11);
    z.set(request.z);
    expect(decodeJob(encodeJob({ ...request, z })).z).toEqual(request.z);
  });

  it('refuses malformed jobs with the fields that are wrong', () => {
    expect(() => decodeJob({ ...encodeJob(request), quality: 'best', labels: 'not base64!' })).toThrow(/quality: .*; labels: /);
    expect(() => decodeJob(null)).toThrow(/value: /);
    expect(() => decodeJob({ ...encodeJob(request), z: Buffer.from([1, 2, 3]).toString('base64') })).toThrow(/not whole float32 values/);
  });

  it('a result decodes to the frame bytes, and a malformed one is refused', () => {
    const frame = { bytes: Buffer.from([0, 1, 2, 250]), quality: 'full' as const };
    expect(decodeResult(JSON.parse(JSON.stringify(encodeResult(frame))))).toEqual(frame);
    expect(() => decodeResult({ quality: 'full' })).toThrow(/bytes: /);
  });
});
