// One bounded load run with autocannon. Latencies are recorded here from autocannon's
// per-response event, at full (sub-millisecond) resolution: autocannon's own histogram
// keeps whole milliseconds, too coarse for single-digit-millisecond targets.
import autocannon from 'autocannon';

/**
 * A source of requests: `next()` returns the next prepared request. With `unique`, requests
 * are made by `make(i)` once each (pre-made up to `prepared`, lazily after); otherwise the
 * prepared pool is cycled.
 */
export function requestSource(make, { prepared, unique = false }) {
  const pool = [];
  for (let i = 0; i < prepared; i++) pool.push(make(i));
  let cursor = 0;
  return {
    pool,
    next() {
      const i = cursor++;
      if (i < pool.length) return pool[i];
      return unique ? make(i) : pool[i % pool.length];
    },
    /** A source cycling the same prepared requests (for the ceiling run). */
    replay() {
      let c = 0;
      return { pool, next: () => pool[c++ % pool.length], used: () => c };
    },
    used: () => cursor,
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/**
 * Drives `url` with `connections` keep-alive connections for `duration` seconds, each request
 * taken from `source.next()`. Resolves to throughput, latency percentiles (ms) and error counts.
 */
export function runLoad({ url, source, connections, duration, timeout = 10 }) {
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16);
    let n = 0;
    const instance = autocannon(
      {
        url,
        connections,
        duration,
        timeout,
        pipelining: 1,
        requests: [{ setupRequest: () => ({ ...source.next() }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        const sorted = latencies.slice(0, n).sort();
        let sum = 0;
        for (let i = 0; i < n; i++) sum += sorted[i];
        const seconds = result.duration;
        resolve({
          connections,
          seconds,
          requests: result.requests.total,
          ok: n,
          rps: n / seconds,
          latency: {
            mean: n ? sum / n : NaN,
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: n ? sorted[n - 1] : NaN,
          },
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          totalErrors: result.errors + result.timeouts + result.non2xx,
          statusCodes: result.statusCodeStats,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode > 299) return;
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = responseTime;
    });
  });
}
