#!/usr/bin/env node
// `mqnamesrv`: the NameServer process of @rocketmq-ts/namesrv, run from this package so that one
// install (npm install -g rocketmq-ts) brings every command.
process.setSourceMapsEnabled(true);
await import('@rocketmq-ts/namesrv/mqnamesrv');
