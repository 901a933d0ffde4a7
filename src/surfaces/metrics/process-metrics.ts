/**
 * prom-client's default process and Node.js metrics (CPU, memory, event-loop lag, GC, handles,
 * file descriptors), made once per process. They describe the process, not a server, and some
 * install observers that are never removed (GC, the event-loop delay histogram): one set per
 * process is right, and each server's registry lists the same metric objects.
 */
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

let shared: Metric[] | undefined;

export function processMetrics(): Metric[] {
  if (!shared) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    shared = registry
      .getMetricsAsArray()
      .map((m) => registry.getSingleMetric(m.name))
      .filter((m): m is Metric => m !== undefined);
  }
  return shared;
}
