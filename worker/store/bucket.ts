// The part of an R2 bucket binding the model store uses. Spelled out here rather than taken from
// @cloudflare/workers-types, because the app also type-checks (and runs, for the serving bench) on Node,
// where those global types do not exist; workerd's R2Bucket satisfies it as is.
export interface BucketObject {
  key: string;
  size: number;
  uploaded: Date;
  customMetadata?: Record<string, string>;
}

export interface BucketObjectBody extends BucketObject {
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface ModelBucket {
  get(key: string): Promise<BucketObjectBody | null>;
  head(key: string): Promise<BucketObject | null>;
  put(
    key: string,
    value: ArrayBuffer | string,
    options?: { sha256?: string; customMetadata?: Record<string, string> },
  ): Promise<unknown>;
  list(options: {
    prefix?: string;
    delimiter?: string;
    cursor?: string;
    include?: ('httpMetadata' | 'customMetadata')[];
  }): Promise<
    { objects: BucketObject[]; delimitedPrefixes: string[] } & (
      | { truncated: true; cursor: string }
      | { truncated: false }
    )
  >;
}

/** The Workers rate-limiting binding (wrangler.toml [[ratelimits]]). */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}
