import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'PATCH' | 'POST';
  headers?: Record<string, string>;
  /** A body per request (varied so no cache or no-op path flatters the figure). */
  body?: () => string;
  /** Extra headers per request (e.g. rotating bearer tokens over many users). */
  perRequestHeaders?: () => Record<string, string>;
  connections?: number;
  seconds: number;
}

/** Drives one endpoint with autocannon at N connections and reports throughput and latency. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...options.headers },
    connections: options.connections ?? 50,
    duration: options.seconds,
    requests:
      options.body || options.perRequestHeaders
        ? [
            {
              setupRequest: (req) => ({
                ...req,
                ...(options.body ? { body: options.body() } : {}),
                headers: { ...req.headers, ...options.perRequestHeaders?.() },
              }),
            },
          ]
        : undefined,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
