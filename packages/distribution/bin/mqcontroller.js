#!/usr/bin/env node
// `mqcontroller`: the standalone Controller process of @rocketmq-ts/controller, run from this
// package so that one install (npm install -g rocketmq-ts) brings every command.
process.setSourceMapsEnabled(true);
await import('@rocketmq-ts/controller/mqcontroller');
