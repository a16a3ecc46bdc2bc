#!/usr/bin/env node
// `rocketmq-dashboard`: the web dashboard from @rocketmq-ts/dashboard against any NameServer,
// run from this package so that one install (npm install -g rocketmq-ts) brings every command.
process.setSourceMapsEnabled(true);
await import('@rocketmq-ts/dashboard/main');
