// The boot filesystem: a read-only tree of the built userland programs, linked into the "kernel image"
// at boot. proc_exec takes an fd to one of its files (or any readable regular file) and loads it as an Image.
import vm from 'node:vm';
import { E } from './abi/index.js';
import type { Kernel } from './kernel.js';
import type { KObject } from './object.js';
import type { Image } from './proc.js';
import { prepareWasm } from './wasm.js';
import { dirNode, fileNode, TreeDir, TreeFile, type Node } from './vfs.js';

export const BOOTFS_DEV = 1n;
export const JS_IMAGE_MAGIC = '//!cosix-image js\n';
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export class Bootfs {
  readonly root: Node;

  constructor(_kernel: Kernel | undefined, readonly files: Map<string, Uint8Array>) {
    this.root = buildTree(files);
  }

  rootObject(kernel: Kernel): TreeDir {
    return new TreeDir(kernel, this.root);
  }
}

function buildTree(files: Map<string, Uint8Array>): Node {
  type Dir = Map<string, Node | Dir>;
  const top: Dir = new Map();
  for (const [path, bytes] of files) {
    const parts = path.split('/').filter(Boolean);
    let d = top;
    for (const p of parts.slice(0, -1)) {
      if (!d.has(p)) d.set(p, new Map());
      d = d.get(p) as Dir;
    }
    d.set(parts[parts.length - 1], fileNode(BOOTFS_DEV, () => bytes, parts[parts.length - 1]));
  }
  const toNode = (d: Dir): Node => {
    const m = new Map<string, Node>();
    for (const [k, v] of d) m.set(k, v instanceof Map ? toNode(v) : v);
    return dirNode(BOOTFS_DEV, () => m);
  };
  return toNode(top);
}

let nextImageId = 1;
const imageCache = new WeakMap<Uint8Array, Image | number>();

/** Loads an executable from file contents: ENOEXEC unless it is a well-formed Cosix JS image. */
export function loadImage(bytes: Uint8Array, name: string): Image | number {
  const cached = imageCache.get(bytes);
  if (cached !== undefined) return cached;
  const img = parseImage(bytes, name);
  imageCache.set(bytes, img);
  return img;
}

function parseImage(bytes: Uint8Array, name: string): Image | number {
  if (WASM_MAGIC.every((b, i) => bytes[i] === b)) return parseWasm(bytes, name);
  const head = new TextDecoder().decode(bytes.subarray(0, JS_IMAGE_MAGIC.length));
  if (head !== JS_IMAGE_MAGIC) return E.NOEXEC;
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { return E.NOEXEC; }
  try { new vm.Script(text, { filename: name }); } catch { return E.NOEXEC; }
  return { id: nextImageId++, kind: 'js', text, name };
}

let wasiRunner: string | undefined;
/** The JS image (libc's WASI personality) that runs WebAssembly programs; the kernel sets it from bootfs. */
export function setWasiRunner(text: string | undefined): void { wasiRunner = text; }

/** Why the last WebAssembly image was refused (for the CLI's message). */
export let lastWasmError = '';

function parseWasm(bytes: Uint8Array, name: string): Image | number {
  const w = prepareWasm(bytes);
  if (typeof w === 'string') { lastWasmError = `${name}: ${w}`; return E.NOEXEC; }
  if (!wasiRunner) { lastWasmError = `${name}: bootfs has no wasi-run image`; return E.NOEXEC; }
  return { id: nextImageId++, kind: 'wasm', text: wasiRunner, name, wasm: w };
}

/** The image behind an open file object, or ENOEXEC. */
export function imageOf(obj: KObject): Image | number {
  if (!(obj instanceof TreeFile)) return E.NOEXEC;
  return loadImage(obj.data, obj.node.name ?? obj.node.ino.toString());
}
