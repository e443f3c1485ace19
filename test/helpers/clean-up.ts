// Runs every cleanup step of a test file even when some fail, then reports all the failures at once.

export async function cleanUp(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((e: unknown) => failures.push(e));
  if (failures.length > 0) throw new AggregateError(failures, `cleanup failed: ${failures.map((e) => String(e)).join('; ')}`);
}
