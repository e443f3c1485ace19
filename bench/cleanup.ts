// Everything a benchmark creates is registered here and removed at the end, after a failure, and on Ctrl-C.
// Cleanups run last-registered first; each runs once; a failing one does not stop the others.

type Cleanup = { name: string; run: () => Promise<void> | void };

const cleanups: Cleanup[] = [];
let installed = false;

export function onCleanup(name: string, run: () => Promise<void> | void): () => Promise<void> {
  const entry: Cleanup = { name, run };
  cleanups.push(entry);
  installSignalHandlers();
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await entry.run();
  };
}

export async function runAllCleanups(log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop()!;
    try {
      await entry.run();
    } catch (e) {
      log(`cleanup ${entry.name} failed: ${(e as Error).message}`);
    }
  }
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  // A closed pipe on stdout/stderr (e.g. `| head`) must not kill the run before it cleaned up.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up what the benchmark created...\n`);
      void runAllCleanups().finally(() => process.exit(130));
    });
  }
}
