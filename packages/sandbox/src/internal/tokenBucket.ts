/** A token bucket per key: `take` answers 0 when a token was taken, or the milliseconds until one is free. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly ratePerSecond: number, private readonly burst: number) {}

  take(key: string, now: number): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now }
    const refilled = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond)
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: now })
      return 0
    }
    this.buckets.set(key, { tokens: refilled, at: now })
    return Math.ceil(((1 - refilled) / this.ratePerSecond) * 1000)
  }
}
