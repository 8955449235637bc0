#!/usr/bin/env node
// Links every userland program with libc into a Cosix image (an esbuild bundle with the image header) in
// build/bootfs/. Programs: userland/*.ts (system programs) and test/programs/*.ts (self-tests).
// The bundle targets a bare ECMAScript context: importing a Node.js builtin fails the build.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const dest = join(root, 'build/bootfs');
// Built in a directory of this run's own and moved into place at the end, so a build running beside another
// (or beside a test reading bootfs) never leaves a half-written bootfs.
const out = `${dest}.tmp-${process.pid}`;
const dirs = ['userland', 'test/programs'].map((d) => join(root, d));
const MAGIC = '//!cosix-image js\n';

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const programs = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => join(d, f)));
await Promise.all(programs.map(async (file) => {
  const name = basename(file, '.ts');
  await build({
    stdin: {
      contents: `import * as prog from ${JSON.stringify(file)};\nimport { start as crt0 } from '@cosix/libc';\nexport function start(boot) { return crt0(boot, prog); }\n`,
      resolveDir: root, loader: 'js', sourcefile: `${name}-crt0.js`,
    },
    bundle: true, format: 'iife', globalName: '__cosix_image', platform: 'neutral', target: 'es2022',
    mainFields: ['module', 'main'], conditions: ['import'], banner: { js: MAGIC.trimEnd() },
    outfile: join(out, `${name}.js`), logLevel: 'warning', legalComments: 'none',
  });
}));
// Plain data files (userland/*.txt) go into bootfs as they are: readable, and not executable (ENOEXEC).
const data = readdirSync(join(root, 'userland')).filter((f) => f.endsWith('.txt'));
for (const f of data) copyFileSync(join(root, 'userland', f), join(out, f));
// The C userland, built to WebAssembly by scripts/build-c.sh and committed: bootfs programs named by file.
const cdir = join(root, 'test/programs/c');
const wasm = readdirSync(cdir).filter((f) => f.endsWith('.wasm'));
for (const f of wasm) copyFileSync(join(cdir, f), join(out, f.replace(/\.wasm$/, '')));
const old = `${dest}.old-${process.pid}`;
try { renameSync(dest, old); } catch (e) { if (e.code !== 'ENOENT') throw e; }
renameSync(out, dest);
rmSync(old, { recursive: true, force: true });
console.log(`userland: ${programs.length} programs, ${wasm.length} WebAssembly programs and ${data.length} data files -> build/bootfs`);
