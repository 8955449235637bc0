// The pool workers' entry point, which piscina loads with require(). It is CommonJS on purpose: given the ESM
// runtime, piscina would require() it (Node 20's require(esm), a synchronous load), and a worker terminated
// while that load instantiates the module aborts the whole host process ("FATAL ERROR:
// v8::Module::IsGraphAsync must be used on an instantiated module", seen in npm run stress when a test
// machine shut down as the pool replaced a killed worker). The runtime module (workerData.runtime: worker.js,
// or the sandbox tests' control) is loaded with import(), whose failure is an ordinary rejection.
import { workerData } from 'node:worker_threads';

type RunThread = (task: unknown) => Promise<unknown>;
let run: RunThread | undefined;

export = async function runThread(task: unknown): Promise<unknown> {
  run ??= ((await import((workerData as { runtime: string }).runtime)) as { default: RunThread }).default;
  return run(task);
};
