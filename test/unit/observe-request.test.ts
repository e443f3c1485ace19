// The observe request on the wire: nothing to ask is an empty message (what older agents expect), and an
// agent reads only well-formed requests: absolute paths, bounded sizes; unknown keys of a newer control point are ignored.

import { describe, expect, it } from 'vitest';
import { encodeObserveRequest, parseObserveRequest } from '../../src/transport/index.js';
import { thrown } from '../helpers/errors.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('observe requests', () => {
  it('nothing to ask is an empty message, read back as an empty request', () => {
    expect(encodeObserveRequest(undefined)).toBe('');
    expect(encodeObserveRequest({})).toBe('');
    expect(encodeObserveRequest({ volumes: [] })).toBe('');
    expect(parseObserveRequest(new Uint8Array())).toEqual({});
  });

  it('round-trips the volumes asked about', () => {
    const request = { volumes: [{ container: 'demo_web', hostPaths: ['/srv/demo/www', '/srv/demo/log'] }] };
    expect(parseObserveRequest(bytes(encodeObserveRequest(request)))).toEqual(request);
  });

  it('ignores what a newer control point may ask besides', () => {
    expect(parseObserveRequest(bytes('{"volumes":[],"later":true}'))).toEqual({ volumes: [] });
  });

  it.each([
    { name: 'not JSON', text: 'volumes please', message: /not JSON/ },
    { name: 'a relative path', text: '{"volumes":[{"container":"demo_web","hostPaths":["srv/www"]}]}', message: /volumes\.0\.hostPaths\.0/ },
    { name: 'a NUL in a path', text: '{"volumes":[{"container":"demo_web","hostPaths":["/srv/\\u0000"]}]}', message: /hostPaths/ },
    { name: 'no container', text: '{"volumes":[{"hostPaths":["/srv/www"]}]}', message: /container/ },
  ])('refuses $name, saying what is wrong', ({ text, message }) => {
    const error = thrown(() => parseObserveRequest(bytes(text)));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/^observe request not understood: /);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/versions/);
  });
});
