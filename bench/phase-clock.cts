// Preloaded into a `locker` process by the startup bench (`node --require dist/bench/phase-clock.cjs bin/locker …`):
// notes when what the process does becomes visible from outside its code, so the bench can say where its time went
// without a profiler (V8's profiler loses the functions a code cache brings, and costs more than the phases it cuts):
// Node ready (this file runs), the bundle's Script compiled from its code cache, the spec file looked up and read, each
// program spawned and gone, the first write to stdout, the exit. Writes the notes as JSON to $BENCH_PHASE_FILE at exit.
// CommonJS (.cts): --require needs it, and it must run before bin/locker loads anything.

import childProcess from 'node:child_process';
import fs from 'node:fs';
import vm from 'node:vm';

export interface PhaseNotes {
  /** ms since the process started (performance.timeOrigin), when each thing was first seen. */
  ready: number;
  scriptStart?: number;
  scriptEnd?: number;
  specLookedUp?: number;
  specRead?: number;
  spawns: number[];
  exits: number[];
  firstOutput?: number;
  exit?: number;
}

const now = () => performance.now();
const notes: PhaseNotes = { ready: now(), spawns: [], exits: [] };
const spec = process.env.BENCH_PHASE_SPEC;
const out = process.env.BENCH_PHASE_FILE;

const OriginalScript = vm.Script;
vm.Script = class extends OriginalScript {
  constructor(code: string, options?: vm.ScriptOptions) {
    notes.scriptStart ??= now();
    super(code, options);
    notes.scriptEnd ??= now();
  }
};

const { existsSync, readFileSync } = fs;
fs.existsSync = (p) => {
  if (p === spec) notes.specLookedUp ??= now();
  return existsSync(p);
};
fs.readFileSync = ((p: fs.PathOrFileDescriptor, options?: unknown) => {
  const text = readFileSync(p, options as never);
  if (p === spec) notes.specRead ??= now();
  return text;
}) as typeof fs.readFileSync;

const { spawn } = childProcess;
childProcess.spawn = ((...args: Parameters<typeof spawn>) => {
  notes.spawns.push(now());
  const child = spawn(...args);
  child.once('exit', () => notes.exits.push(now()));
  return child;
}) as typeof spawn;

const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((...args: Parameters<typeof write>) => {
  notes.firstOutput ??= now();
  return write(...args);
}) as typeof process.stdout.write;

process.on('exit', () => {
  notes.exit = now();
  if (out !== undefined) fs.writeFileSync(out, JSON.stringify(notes));
});
