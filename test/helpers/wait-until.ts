// Polls a condition until it holds or a deadline passes: tests wait for states, never for durations.

/** Resolves with the first defined value of `f`; throws, naming `what`, when `timeoutMs` passes first. */
export async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
