#!/usr/bin/env -S node --single-threaded-gc
// Committed shim so npm links the command at install time; the code lives in dist/ after `npm run build`.
// --single-threaded-gc: V8's parallel and concurrent GC helpers compete with the request threads for
// the cores (docs/benchmarks.md, "Broker process flags"); npm start passes the same flag.
process.setSourceMapsEnabled(true);
await import('../dist/src/rocketmq-ts.js');
