/**
 * Runs both benchmarks in one process, so `npm run bench -- --runs N` reaches each: the scan
 * schedule (scan-bench.ts), then the cost of tracing (trace-bench.ts).
 */
await import('./scan-bench.ts');
console.log('');
await import('./trace-bench.ts');
