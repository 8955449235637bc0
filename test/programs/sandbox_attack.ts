// Runs one attack of the sandbox corpus (lib/attacks.ts) named in argdata, then reports, on fd 0, the host
// thread it ran on and any foreign, writable realm it found. Escaping is judged outside, by the test: the
// payload writes the secret host file to the evidence file only if it ever runs with Node's `process`.
import { CB } from '@cosix/kernel/abi';
import type { ArgValue, Os } from '@cosix/libc';
import { ATTACKS, Kit, type Env } from './lib/attacks.js';

export async function main(os: Os, args: ArgValue): Promise<number> {
  const a = args as { attack: string; secret: string; evidence: string };
  const payload = `const fs = process.getBuiltinModule('fs'); fs.writeFileSync(${JSON.stringify(a.evidence)}, fs.readFileSync(${JSON.stringify(a.secret)}));`;
  const kit = new Kit(payload);
  const mem = os.mem as unknown as { pullSegs: () => unknown };
  const env: Env = { os, buffer: os.mem.buffer, wait: os.sys.hostWait as Env['wait'], pull: () => mem.pullSegs(), payload };
  const ostid = os.sys.i32[os.sys.cbIndex + CB.OSTID];
  const attack = ATTACKS[a.attack];
  if (!attack) { os.writeAll(0, `sandbox_attack: no attack named ${a.attack}\n`); return 2; }
  await attack(env, kit);
  os.writeAll(0, `${JSON.stringify({ attack: a.attack, ostid, found: kit.found })}\n`);
  return 0;
}
