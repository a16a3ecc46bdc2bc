#!/usr/bin/env node
// Sums a sampling heap profile (loop-probe.mjs HEAP_SAMPLE_OUT, or any .heapprofile) by
// allocating function, and by allocating function plus its caller, largest first.
//   node bench/broker/heap-top.mjs /tmp/broker.heapprofile [rows=30] [messages]
// With `messages`, sizes are also shown per message.
import { readFileSync } from 'node:fs';

const [file, rowsArg, msgsArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const rows = Number(rowsArg ?? 30);
const msgs = Number(msgsArg ?? 0);
const self = new Map();
const withCaller = new Map();
const byArea = new Map();
/** packages/<name>/ or node: of a frame, else its URL's kind. */
const area = (n) => {
  const url = n.callFrame.url;
  const m = /packages\/([\w-]+)\/dist\/src\/([\w-]+)\//.exec(url) ?? /packages\/([\w-]+)\//.exec(url);
  if (m) return m[2] && m[1] === 'broker' ? `${m[1]}/${m[2]}` : m[1];
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? '(native)' : 'other';
};
let total = 0;
const name = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^.*\/(packages|node_modules)\//, '').replace(/^node:/, '');
  return `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
};
const walk = (node, parent) => {
  if (node.selfSize > 0) {
    const k = name(node);
    self.set(k, (self.get(k) ?? 0) + node.selfSize);
    const kc = `${k}  <-  ${parent ? name(parent) : '(root)'}`;
    withCaller.set(kc, (withCaller.get(kc) ?? 0) + node.selfSize);
    // Native allocations count against the JS frame that called them.
    const a = node.callFrame.url === '' && parent ? area(parent) : area(node);
    byArea.set(a, (byArea.get(a) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const c of node.children) walk(c, node);
};
walk(profile.head, undefined);
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    const per = msgs ? `${(v / msgs).toFixed(0).padStart(7)} B/msg` : '';
    console.log(`${(v / 1024).toFixed(0).padStart(9)} KiB ${((v * 100) / total).toFixed(1).padStart(5)}% ${per}  ${k}`);
  }
};
console.log(`total sampled ${(total / 1048576).toFixed(1)} MiB${msgs ? `, ${(total / msgs).toFixed(0)} B/msg` : ''}`);
show('by package (broker by folder; native calls count for their caller)', byArea);
show('by function', self);
show('by function <- caller', withCaller);
