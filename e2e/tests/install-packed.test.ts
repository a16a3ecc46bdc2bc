import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, tempDir } from '@rocketmq-ts/testkit';
import { type ChildResult, runCommand } from './client-support.js';
import { repoRoot } from './repo-root.js';

// What a user gets (issue 17): every public package is packed with `npm pack`, the tarballs are
// installed into a fresh app with a plain `npm install <tarballs>` (third-party packages from the
// registry or npm's cache), `rocketmq-ts start` runs from the installed bin, and the SDK README's
// example runs as the user's own file, as an ES module and through require(). A file left out of
// `files` or a dependency left undeclared fails here (the lint's no-undeclared-dependency rule catches
// an import the package.json does not declare even where hoisting would hide it).

interface PackedFile {
  path: string;
}
interface Packed {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}
interface Manifest {
  name: string;
  private?: boolean;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const root = repoRoot();
const publicDirs = readdirSync(path.join(root, 'packages'))
  .filter((d) => existsSync(path.join(root, 'packages', d, 'package.json')))
  .filter(
    (d) => !(JSON.parse(readFileSync(path.join(root, 'packages', d, 'package.json'), 'utf8')) as Manifest).private,
  )
  .sort();

// The children (npm above all) must see the temp app as their project, not this workspace: `npm run`
// puts the workspace's prefix and package fields in the environment.
const appEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !/^(npm_config_(local_prefix|workspaces?|include_workspace_root)|npm_package_|npm_lifecycle_|init_cwd$)/i.test(k),
  ),
);

function run(file: string, args: string[], cwd: string, timeoutMs: number): Promise<ChildResult> {
  return runCommand(file, args, { cwd, timeoutMs, env: appEnv, replaceEnv: true });
}

/** Every file under `dir` (relative paths). */
function walk(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(dir, path.join(rel, e.name)) : [path.join(rel, e.name)],
  );
}

describe('the packed packages, installed into a fresh app', { timeout: 170_000 }, () => {
  let work: { path: string; cleanup: () => Promise<void> };
  let app: string;
  let packed: Packed[] = [];
  let server: ChildProcess | undefined;
  let serverOut = '';
  let namesrvAddr = '';
  let typecheck: Promise<ChildResult> | undefined;
  let packMs = 0;
  let installMs = 0;
  let bins: Promise<[ChildResult, ChildResult, ChildResult, ChildResult]> | undefined;
  const bin = (name: string) => path.join(app, 'node_modules', '.bin', name);

  before(async () => {
    work = await tempDir('rocketmq-ts-install-');
    const packs = path.join(work.path, 'packs');
    app = path.join(work.path, 'app');
    await mkdir(packs);
    await mkdir(app);
    // --ignore-scripts: the tree is built (npm test builds first); prepack would run tsc -b again.
    const pack = await run(
      'npm',
      [
        'pack',
        '--ignore-scripts',
        '--json',
        '--pack-destination',
        packs,
        ...publicDirs.flatMap((d) => ['-w', `packages/${d}`]),
      ],
      root,
      60_000,
    );
    assert.equal(pack.code, 0, pack.stderr);
    packMs = pack.ms;
    packed = JSON.parse(pack.stdout) as Packed[];
    await writeFile(
      path.join(app, 'package.json'),
      `${JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    const install = await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...packed.map((p) => path.join(packs, p.filename)),
      ],
      app,
      90_000,
    );
    assert.equal(install.code, 0, `npm install of the tarballs failed:\n${install.stdout}\n${install.stderr}`);
    installMs = install.ms;
  });

  after(async () => {
    server?.kill('SIGKILL');
    await Promise.all([typecheck?.catch(() => undefined), bins?.catch(() => undefined)]);
    await work?.cleanup();
  });

  it('packs every public package, and each ships built JS, .d.ts, maps, README and LICENSE and no tests, benchmarks or build info', (t) => {
    t.diagnostic(`npm pack ${packMs} ms, npm install ${installMs} ms`);
    for (const p of packed)
      t.diagnostic(`${p.name}: tarball ${p.size} B, unpacked ${p.unpackedSize} B, ${p.files.length} files`);
    assert.deepEqual(
      packed.map((p) => p.name).sort(),
      publicDirs
        .map((d) => (JSON.parse(readFileSync(path.join(root, 'packages', d, 'package.json'), 'utf8')) as Manifest).name)
        .sort(),
    );
    for (const p of packed) {
      const files = new Set(p.files.map((f) => f.path));
      for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts'])
        assert.ok(files.has(f), `${p.name} does not pack ${f}`);
      for (const f of files) {
        // (cli's src/bench is mqbench's code; a package's own benchmarks live in <package>/bench/)
        assert.doesNotMatch(
          f,
          /(^|\/)(tests?|__tests__)\/|^bench\/|\.(test|bench)\.|tsbuildinfo/,
          `${p.name} packs ${f}`,
        );
        // (dist/web: the dashboard's bundled UI, served as it is)
        assert.match(
          f,
          /^(dist\/src\/|dist\/web\/|src\/|bin\/|package\.json$|README\.md$|LICENSE$)/,
          `${p.name} packs ${f}`,
        );
        const ts = /^src\/(.*)\.ts$/.exec(f);
        if (ts)
          assert.ok(files.has(`dist/src/${ts[1]}.js.map`), `${p.name} packs ${f} without dist/src/${ts[1]}.js.map`);
        if (/\.(js|d\.ts)$/.test(f) && f.startsWith('dist/src/'))
          assert.ok(files.has(`${f}.map`), `${p.name} packs ${f} without its map`);
        // tsc -b leaves the output of a deleted or moved source behind; npm pack would ship it.
        const out = /^dist\/src\/(.*)\.js$/.exec(f);
        if (out)
          assert.ok(
            files.has(`src/${out[1]}.ts`),
            `${p.name} packs ${f}, whose source src/${out[1]}.ts is gone: stale build output (npm run clean && npm run build)`,
          );
      }
    }
  });

  it('every installed source map and declaration map resolves to a shipped source', () => {
    const modules = path.join(app, 'node_modules');
    const dirs = [
      path.join(modules, 'rocketmq-ts'),
      ...readdirSync(path.join(modules, '@rocketmq-ts')).map((d) => path.join(modules, '@rocketmq-ts', d)),
    ];
    let maps = 0;
    for (const dir of dirs) {
      for (const rel of walk(dir).filter((f) => f.endsWith('.map'))) {
        const file = path.join(dir, rel);
        const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourceRoot?: string };
        for (const s of map.sources) {
          const src = path.resolve(path.dirname(file), map.sourceRoot ?? '', s);
          assert.ok(existsSync(src), `${path.relative(modules, file)} points at ${s}, not installed`);
        }
        maps++;
      }
    }
    assert.ok(maps > 100, `only ${maps} maps installed`);
  });

  it('@rocketmq-ts/client brings only common, filter, protocol and remoting (no server, store or CLI, no third-party package)', () => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const m = JSON.parse(readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8')) as Manifest;
      for (const d of Object.keys(m.dependencies ?? {})) visit(d);
    };
    visit('@rocketmq-ts/client');
    assert.deepEqual([...seen].sort(), [
      '@rocketmq-ts/client',
      '@rocketmq-ts/common',
      '@rocketmq-ts/filter',
      '@rocketmq-ts/protocol',
      '@rocketmq-ts/remoting',
    ]);
  });

  it('rocketmq-ts start runs from the installed bin on free ports, with --single-threaded-gc', async () => {
    // One package carries every command (mqproxy, mqcontroller join them as they land), so that
    // `npm install -g rocketmq-ts` brings them all and no two packages link the same name.
    const manifest = (name: string) =>
      JSON.parse(readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8')) as Manifest;
    const commands = Object.keys(manifest('rocketmq-ts').bin ?? {});
    for (const c of ['rocketmq-ts', 'mqnamesrv', 'mqcontroller', 'mqbroker', 'mqadmin', 'mqbench'])
      assert.ok(commands.includes(c), `rocketmq-ts has no bin ${c}: ${commands.join(', ')}`);
    for (const p of packed.filter((p) => p.name !== 'rocketmq-ts'))
      assert.equal(manifest(p.name).bin, undefined, `${p.name} declares bins: they belong in rocketmq-ts`);
    // Type-check the README example against the installed declarations while the server runs.
    typecheck = typecheckExample();
    server = spawn(
      bin('rocketmq-ts'),
      [
        'start',
        '--data-dir',
        path.join(work.path, 'data'),
        '--namesrv-port',
        '0',
        '--broker-port',
        '0',
        '--host',
        '127.0.0.1',
      ],
      { cwd: app, env: appEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.on('data', (d: Buffer) => {
      serverOut += d.toString();
    });
    server.stderr?.on('data', (d: Buffer) => {
      serverOut += d.toString();
    });
    const ready = await eventually(
      () =>
        server?.exitCode !== null || server.signalCode !== null
          ? { exited: true }
          : /rocketmq-ts ready .*\(clients: ([\d.]+:\d+)\)/.exec(serverOut)?.[1],
      { timeoutMs: 30_000, message: 'rocketmq-ts start to print its addresses' },
    ).catch((e: unknown) => assert.fail(`${String(e)}; output so far: ${serverOut}`));
    assert.equal(typeof ready, 'string', `rocketmq-ts start exited: ${serverOut}`);
    namesrvAddr = ready as string;
    bins = runBins();
    // The shebang (env -S) puts the flag on node's own command line.
    const cmdline = `/proc/${server.pid}/cmdline`;
    if (existsSync(cmdline)) assert.ok(readFileSync(cmdline, 'utf8').split('\0').includes('--single-threaded-gc'));
  });

  /** The README's first code block, pointed at `addr`. */
  const example = (addr = namesrvAddr) => {
    const readme = readFileSync(path.join(app, 'node_modules', '@rocketmq-ts', 'client', 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(code, 'no ts code block in the installed README');
    assert.ok(code.includes("'127.0.0.1:9876'"));
    return code.replace("'127.0.0.1:9876'", `'${addr}'`);
  };

  /** The example's send printed its msgId, and the consumer printed the same msgId as 'created'. */
  const assertRan = (r: ChildResult, label: string) => {
    const out = `${label} example: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver:\n${serverOut}`;
    assert.equal(r.code, 0, out);
    const sent = /^SEND_OK (\S+) \d+ \d+$/m.exec(r.stdout)?.[1];
    assert.ok(sent, out);
    assert.match(r.stdout, new RegExp(`^${sent} created \\{"id":42\\}$`, 'm'), out);
    assert.match(r.stdout, /^\S+ paid \{"id":42,"paid":true\}$/m, out);
  };

  it("runs the SDK README's example as the user's ES module", async () => {
    assert.ok(namesrvAddr, 'the server did not start');
    const file = path.join(app, 'example.mjs');
    await writeFile(file, example());
    assertRan(await run(process.execPath, [file], app, 45_000), 'ESM');
  });

  it('runs the same example from CommonJS through require() (Node >= 20.19, no flag)', async (t) => {
    assert.ok(namesrvAddr, 'the server did not start');
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    if (major === 20 && minor < 19) {
      t.skip('require() of ES modules needs Node 20.19+ (or --experimental-require-module from 20.17)');
      return;
    }
    const code = example();
    const imports = /^import \{([^}]+)\} from '@rocketmq-ts\/client';\n/m.exec(code);
    assert.ok(imports, 'the example does not start with an import of @rocketmq-ts/client');
    const body = code.replace(imports[0], '');
    const cjs =
      `'use strict';\nconst {${imports[1]}} = require('@rocketmq-ts/client');\n\n` +
      `(async () => {\n${body}})().catch((err) => {\n  console.error(err);\n  process.exitCode = 1;\n});\n`;
    const file = path.join(app, 'example.cjs');
    await writeFile(file, cjs);
    // The ESM run's consumer persisted its offsets on shutdown: this run sees only its own messages.
    assertRan(await run(process.execPath, [file], app, 45_000), 'CommonJS');
  });

  it('the example type-checks against the installed declarations (types, exports)', async () => {
    assert.ok(typecheck, 'the type check did not start');
    const r = await typecheck;
    assert.equal(r.code, 0, `tsc on the README example:\n${r.stdout}\n${r.stderr}`);
  });

  it('mqnamesrv, mqbroker, mqadmin and mqbench run from the installed bins', async () => {
    assert.ok(bins, 'the server did not start');
    const [ns, br, admin, bench] = await bins;
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /^listenPort=9876$/m);
    assert.equal(br.code, 0, br.stderr);
    assert.match(br.stdout, new RegExp(`^namesrvAddr=${namesrvAddr}$`, 'm'));
    assert.equal(admin.code, 0, admin.stderr);
    assert.deepEqual(
      (JSON.parse(admin.stdout) as { brokerName: string }[]).map((r) => r.brokerName),
      ['broker-a'],
    );
    assert.equal(bench.code, 0, bench.stderr);
    assert.match(bench.stdout, /producer/);
  });

  /** The four other commands, run at once (while the examples run) from the installed bins. */
  function runBins(): Promise<[ChildResult, ChildResult, ChildResult, ChildResult]> {
    return Promise.all([
      run(bin('mqnamesrv'), ['-p'], app, 30_000),
      run(bin('mqbroker'), ['-n', namesrvAddr, '-p'], app, 30_000),
      run(bin('mqadmin'), ['clusterList', '-n', namesrvAddr, '--json'], app, 30_000),
      run(bin('mqbench'), ['--help'], app, 30_000),
    ]);
  }

  /** `tsc --noEmit` of the README example as the user's .mts file, against node_modules' .d.ts. */
  function typecheckExample(): Promise<ChildResult> {
    const file = path.join(app, 'example-typed.mts');
    return writeFile(file, example('127.0.0.1:9876')).then(() =>
      run(
        process.execPath,
        [
          path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--noEmit',
          '--strict',
          '--target',
          'es2022',
          '--lib',
          'es2022',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--types',
          'node',
          '--typeRoots',
          path.join(root, 'node_modules', '@types'),
          '--skipLibCheck',
          file,
        ],
        app,
        90_000,
      ),
    );
  }
});
