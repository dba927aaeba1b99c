import { TokenBucket } from './tokenBucket';

/**
 * Per-user token buckets for actions that write to the database (uploads, saves, proposals), so
 * one browser cannot flood them. In memory: limits reset on restart, which is fine for abuse control.
 */
export class UserLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxUsers = 10_000,
  ) {}

  take(userId: string): boolean {
    let bucket = this.buckets.get(userId);
    if (!bucket) {
      // Forget the oldest users rather than grow without bound.
      if (this.buckets.size >= this.maxUsers) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(this.perSecond, this.burst);
      this.buckets.set(userId, bucket);
    }
    return bucket.take();
  }
}
