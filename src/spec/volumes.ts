// Volume syntax `host:container[:ro|:rw]`, placeholders expanded, host paths made absolute.
// The characters refused here are those that would break an LXC mount entry
// (space-separated, `#` comments, `,` between options) or be read as an escape.
import { posix } from 'node:path';
import { expandPlaceholders, type PlaceholderValues } from './placeholders.js';
import { describeUnsafePath, SAFE_TEXT_RULE } from './safe-text.js';
import { bad, ok, type Checked } from './spec-error.js';
import type { VolumeSpec } from './types.js';

export type ParsedVolume = Omit<VolumeSpec, 'raw' | 'ref'>;

const FORMS = 'volumes are "host:container" or "host:container:ro", e.g. "./data:/var/lib/data"';
const FORBIDDEN = /[\s\\#,]/;

export function parseVolume(raw: string, values: PlaceholderValues, specDir: string): Checked<ParsedVolume> {
  const forbidden = FORBIDDEN.exec(raw);
  if (forbidden) {
    const shown = /\s/.test(forbidden[0]) ? 'whitespace' : `"${forbidden[0]}"`;
    return bad(`volume "${raw}" contains ${shown}`, 'volume paths may not contain whitespace, "\\", "#" or ","; rename the folder or use a symlink');
  }
  const parts = raw.split(':');
  if (parts.length < 2 || parts.length > 3) return bad(`invalid volume "${raw}"`, FORMS);
  const [hostText = '', containerText = '', mode = 'rw'] = parts;
  if (mode !== 'ro' && mode !== 'rw') return bad(`invalid volume mode "${mode}" in "${raw}"`, 'the mode is ro (read-only) or rw (the default)');
  if (hostText === '' || containerText === '') return bad(`invalid volume "${raw}": empty path`, FORMS);
  for (const p of [hostText, containerText]) {
    if (p.split('/').includes('..')) {
      return bad(`volume "${raw}" contains a ".." path segment`, 'write the path without ".."; a relative host path is relative to the spec folder');
    }
  }
  if (hostText.startsWith('~')) return bad(`volume "${raw}": "~" is not supported`, 'write the host path as an absolute path, or relative to the spec folder');

  const host = expandPlaceholders(hostText, values);
  if (!host.ok) return host;
  const container = expandPlaceholders(containerText, values);
  if (!container.ok) return container;
  if (!posix.isAbsolute(container.value)) {
    return bad(`volume "${raw}": the container path must be absolute`, 'start the container path with "/"');
  }
  const containerPath = tidy(container.value);
  if (containerPath === '/') return bad(`volume "${raw}" would hide the container's root folder`, 'mount on a folder inside the container');
  const hostPath = tidy(posix.isAbsolute(host.value) ? host.value : posix.join(specDir, host.value));
  if (FORBIDDEN.test(hostPath)) {
    // Only the spec folder can bring these in: the placeholders' values are validated names.
    return bad(`volume "${raw}" resolves to "${hostPath}", which contains whitespace or one of \\ # ,`, 'write an absolute host path, or move the spec to a folder without such characters');
  }
  for (const [what, path] of [['host', hostPath], ['container', containerPath]] as const) {
    const unsafe = describeUnsafePath(path);
    if (unsafe !== undefined) {
      return bad(`volume "${raw}": the ${what} path "${path}" ${unsafe}`, `paths of volumes reach mount entries and commands: ${SAFE_TEXT_RULE}, no ".." and no segment starting with "-"`);
    }
  }
  return ok({ hostPath, containerPath, readOnly: mode === 'ro' });
}

/** Normalised, without a trailing slash, so `/a/b/` and `/a//b` are one path. */
function tidy(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
