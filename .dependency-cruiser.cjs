// Enforces the import direction of docs/architecture.md:
// common <- protocol <- remoting <- {client, controller <- namesrv}; store <- common, protocol; filter <- common;
// broker <- store, remoting, filter; client <- filter; cli, dashboard <- client; proxy <- broker, client;
// distribution (the rocketmq-ts package) <- namesrv, broker, cli, dashboard, proxy;
// testkit anywhere (dev only). Every package also declares what it imports in its own package.json,
// because that is all an `npm install` of the package brings (e2e/tests/install-packed.test.ts).
const allowed = {
  common: [],
  protocol: ['common'],
  filter: ['common'],
  remoting: ['common', 'protocol'],
  namesrv: ['common', 'protocol', 'remoting', 'controller'],
  controller: ['common', 'protocol', 'remoting'],
  store: ['common', 'protocol'],
  broker: ['common', 'protocol', 'remoting', 'store', 'filter'],
  client: ['common', 'protocol', 'remoting', 'filter'],
  cli: ['common', 'protocol', 'remoting', 'client', 'filter'],
  dashboard: ['common', 'protocol', 'remoting', 'client', 'filter'],
  proxy: ['common', 'protocol', 'remoting', 'store', 'broker', 'client', 'filter'],
  distribution: [
    'common',
    'protocol',
    'remoting',
    'namesrv',
    'controller',
    'store',
    'broker',
    'client',
    'cli',
    'dashboard',
    'filter',
    'proxy',
  ],
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
    name: 'no-undeclared-dependency',
    comment:
      "an npm package imported by a file must be in the dependencies (or dev/peer dependencies) of the package.json closest to the file: the workspace root's do not travel with a published package",
    severity: 'error',
    from: {},
    // dependencyTypesNot: depcruise also reports a package named in peerDependenciesMeta as npm-no-pkg.
    to: {
      dependencyTypes: ['npm-no-pkg', 'npm-unknown'],
      dependencyTypesNot: ['npm', 'npm-dev', 'npm-peer', 'npm-optional'],
    },
  },
  {
    name: 'not-to-unresolvable',
    comment:
      'an import that resolves to nothing on disk: a typo, a package that is not installed, or (the workspace packages resolve to their dist/) a tree that is not built: lint runs after npm run build',
    severity: 'error',
    from: {},
    to: { couldNotResolve: true },
  },
  {
    name: 'shipped-code-not-to-dev-dependency',
    comment:
      'src/ and bin/ are what a package ships: what they import at run time must be in dependencies (or peerDependencies), not devDependencies, which a user does not get',
    severity: 'error',
    from: { path: '^packages/[^/]+/(src|bin)/' },
    // A package that is a devDependency for the package's own build and a peerDependency for its
    // users (pino in common) is fine.
    to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only', 'npm', 'npm-peer'] },
  },
  {
    name: 'src-not-importing-testkit',
    severity: 'error',
    from: { path: '^packages/[^/]+/src/', pathNot: '^packages/testkit/' },
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
    // Each file's imports are checked against the package.json closest to it, not the root's too.
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
  },
};
