/**
 * Runs every benchmark in one process, so `npm run bench -- --runs N` reaches each: the scan
 * schedule (scan-bench.ts), the cost of tracing (trace-bench.ts), then the editor's preview
 * against probing (preview-bench.ts).
 */
await import('./scan-bench.ts');
console.log('');
await import('./trace-bench.ts');
console.log('');
await import('./preview-bench.ts');
