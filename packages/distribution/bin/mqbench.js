#!/usr/bin/env node
// `mqbench`: RocketMQ's benchmark tool from @rocketmq-ts/cli, run from this package so that one
// install (npm install -g rocketmq-ts) brings every command.
process.setSourceMapsEnabled(true);
await import('@rocketmq-ts/cli/mqbench');
