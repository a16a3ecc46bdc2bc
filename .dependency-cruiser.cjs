// Enforces the import direction of docs/architecture.md:
// common <- protocol <- remoting <- {client, namesrv}; store <- common, protocol;
// broker <- store, remoting; cli <- client; distribution <- namesrv, broker; testkit anywhere (dev only).
const allowed = {
  common: [],
  protocol: ['common'],
  remoting: ['common', 'protocol'],
  namesrv: ['common', 'protocol', 'remoting'],
  store: ['common', 'protocol'],
  broker: ['common', 'protocol', 'remoting', 'store'],
  client: ['common', 'protocol', 'remoting'],
  cli: ['common', 'protocol', 'remoting', 'client'],
  distribution: ['common', 'protocol', 'remoting', 'namesrv', 'store', 'broker'],
};
const forbidden = [
  {
    name: 'no-circular',
    comment:
      'no import cycles, type-only ones included: a type-only cycle is still two modules that cannot be understood apart',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'no-deep-imports',
    comment: 'import other packages only through their public entry (@rocketmq-ts/<name>)',
    severity: 'error',
    from: { path: '^packages/([^/]+)/' },
    to: { path: '^packages/([^/]+)/', pathNot: '^packages/$1/' },
  },
  {
    name: 'src-not-importing-testkit',
    severity: 'error',
    from: { path: '^packages/[^/]+/src/' },
    to: { path: '@rocketmq-ts/testkit|packages/testkit/' },
  },
];
for (const [pkg, deps] of Object.entries(allowed)) {
  const ok = [pkg, ...deps, 'testkit'].join('|');
  forbidden.push({
    name: `direction-${pkg}`,
    severity: 'error',
    from: { path: `^packages/${pkg}/` },
    to: { path: '^node_modules/@rocketmq-ts/([^/]+)', pathNot: `^node_modules/@rocketmq-ts/(${ok})(/|$)` },
  });
}
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^packages/[a-z-]+/dist/', '^e2e/dist/'] },
    preserveSymlinks: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
