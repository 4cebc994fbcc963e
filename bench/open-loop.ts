/**
 * The benches' load generator: requests sent open loop at a steady rate, latency from each one's
 * scheduled time. Run it in a child process, so its CPU is not on the local cloud's event loop.
 */

export interface OpenLoopRequest {
  path: string;
  /** JSON; a POST when given, else a GET. */
  body?: string;
  headers?: Record<string, string>;
}

export interface OpenLoopStats {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface OpenLoopResult {
  requests: OpenLoopStats & { total: number };
  latency: OpenLoopStats;
  /** The lead-in's requests (`leadInSeconds`), apart from the figures above; non2xx, errors and timeouts count the whole run. */
  leadIn?: OpenLoopStats & { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Seconds from the first scheduled send to the last answer. */
  duration: number;
}

/**
 * A steady open-loop load: request i is sent at start + i/rate whatever the answers before it
 * (keep-alive connections, as many as needed), and its latency counts from that scheduled time, so
 * a slow answer delays no later send and hides nothing (no coordinated omission). Percentiles are
 * exact, over every request. (autocannon's `overallRate` is neither: each connection sends its
 * share of a second back to back and then waits for the next second, so the load comes in bursts
 * at each second's start, and its latency histogram "corrects" with an expected interval of
 * 1 ms, adding synthetic samples in proportion to each latency: against a server answering every
 * request in exactly 20 ms it reports p50 12 ms and p99 47 ms.)
 * `leadInSeconds`: the load runs that long first at the same rate, its figures kept apart (the
 * generator's connections are new and its code cold; what the bench did just before is settling),
 * then `seconds` more are measured, with no pause between.
 */
export async function openLoop(spec: { url: string; requests: OpenLoopRequest[]; rate: number; seconds: number; leadInSeconds?: number }): Promise<OpenLoopResult> {
  const { Agent, request } = await import('node:http');
  // idle sockets close before the server's 5 s keep-alive timeout would (else a reuse races its close)
  const agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: 4000 });
  const leadIn = Math.round(spec.rate * (spec.leadInSeconds ?? 0));
  const total = leadIn + Math.round(spec.rate * spec.seconds);
  const interval = 1000 / spec.rate;
  const latencies: number[] = [];
  const leadInLatencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const start = performance.now() + 20;
  let sent = 0;
  await new Promise<void>((done) => {
    let outstanding = 0;
    const finished = () => {
      if (--outstanding === 0 && sent >= total) done();
    };
    const tick = () => {
      while (sent < total && start + sent * interval <= performance.now()) {
        const scheduled = start + sent * interval;
        const measured = sent >= leadIn;
        const { path, body, headers: given } = spec.requests[sent % spec.requests.length]!;
        sent++;
        outstanding++;
        const headers = { ...given, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) };
        const req = request(
          `${spec.url}${path}`,
          { method: body === undefined ? 'GET' : 'POST', agent, headers },
          (res) => {
            res.resume();
            res.on('end', () => {
              (measured ? latencies : leadInLatencies).push(performance.now() - scheduled);
              if ((res.statusCode ?? 0) >= 300) non2xx++;
              finished();
            });
          },
        );
        req.setTimeout(30_000, () => {
          timeouts++;
          req.destroy();
        });
        req.on('error', (error) => {
          if (errors++ < 3) process.stderr.write(`load generator: ${error.message}\n`);
          finished();
        });
        req.end(body);
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  agent.destroy();
  const stats = latencyStats(latencies);
  return {
    requests: { ...stats, total: total - leadIn },
    latency: stats,
    ...(leadIn ? { leadIn: { ...latencyStats(leadInLatencies), total: leadIn } } : {}),
    non2xx,
    errors,
    timeouts,
    duration: (performance.now() - start - leadIn * interval) / 1000,
  };
}

/** Exact percentiles over every latency. */
function latencyStats(latencies: number[]): OpenLoopStats {
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { average: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

