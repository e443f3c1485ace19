// The outcome of checking one value: the value, or what is wrong with it and what to do.
// A rule does not know where the value came from; the caller adds the location (the spec's unwrap).

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

export function bad<T>(message: string, hint?: string): Checked<T> {
  return hint === undefined ? { ok: false, message } : { ok: false, message, hint };
}
