#!/usr/bin/env -S node --single-threaded-gc
// `mqproxy`: the gRPC proxy (RocketMQ 5.x clients), Cluster mode by default; see src/mqproxy.ts.
process.setSourceMapsEnabled(true);
await import('../dist/src/mqproxy.js');
