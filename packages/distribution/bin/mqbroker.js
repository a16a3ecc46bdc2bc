#!/usr/bin/env -S node --single-threaded-gc
// `mqbroker`: the broker process of @rocketmq-ts/broker, run from this package so that one install
// (npm install -g rocketmq-ts) brings every command; `--enable-proxy` adds the gRPC proxy (src/mqbroker.ts).
// --single-threaded-gc: V8's parallel and concurrent GC helpers compete with the request threads for
// the cores (docs/benchmarks.md, "Broker process flags"); npm start passes the same flag.
process.setSourceMapsEnabled(true);
await import('../dist/src/mqbroker.js');
