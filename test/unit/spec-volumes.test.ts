// Volumes and placeholders: the forms, expansion by exact word, paths made absolute, and
// the characters that would break a mount entry.
import { describe, expect, it } from 'vitest';
import { expandPlaceholders } from '../../src/spec/placeholders.js';
import { parseVolume, type ParsedVolume } from '../../src/spec/volumes.js';

const values = { name: 'web', project: 'demo', fqdn: 'web.example.net' };

describe('expandPlaceholders', () => {
  it.each<[string, string]>([
    ['/opt/data/$project_$name/log', '/opt/data/demo_web/log'],
    ['/opt/${project}-${name}', '/opt/demo-web'],
    ['/srv/${name}s', '/srv/webs'],
    ['/srv/$fqdn/www', '/srv/web.example.net/www'],
    ['/srv/$name.$project', '/srv/web.demo'],
    ['/price/$$5', '/price/$5'],
    ['/plain/path', '/plain/path'],
  ])('%s -> %s', (text, expected) => {
    expect(expandPlaceholders(text, values)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, RegExp]>([
    ['/srv/$names', /^unknown placeholder "\$names"/],
    ['/srv/$foo', /^unknown placeholder "\$foo"/],
    ['/srv/${nam}', /^unknown placeholder "\$\{nam\}"/],
    ['/srv/$', /^lone "\$"/],
    ['/srv/$1', /^lone "\$"/],
    ['/srv/${name', /^lone "\$"/],
  ])('refuses %s', (text, message) => {
    const r = expandPlaceholders(text, values);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.hint).toContain('$name, $project, $fqdn');
    }
  });

  it('refuses $fqdn when the container has none', () => {
    expect(expandPlaceholders('/srv/$fqdn', { name: 'web', project: 'demo' })).toEqual({
      ok: false,
      message: '"$fqdn" is used but the container has no fqdn',
      hint: 'set `fqdn:` on the container, or remove the placeholder',
    });
  });
});

describe('parseVolume', () => {
  it.each<[string, ParsedVolume]>([
    ['/srv/data:/data', { hostPath: '/srv/data', containerPath: '/data', readOnly: false }],
    ['/srv/data:/data:ro', { hostPath: '/srv/data', containerPath: '/data', readOnly: true }],
    ['/srv/data:/data:rw', { hostPath: '/srv/data', containerPath: '/data', readOnly: false }],
    ['./conf/app.ini:/etc/app.ini:ro', { hostPath: '/home/me/app/conf/app.ini', containerPath: '/etc/app.ini', readOnly: true }],
    ['conf:/etc/conf', { hostPath: '/home/me/app/conf', containerPath: '/etc/conf', readOnly: false }],
    ['.:/src', { hostPath: '/home/me/app', containerPath: '/src', readOnly: false }],
    ['/srv//data/./x/:/data/', { hostPath: '/srv/data/x', containerPath: '/data', readOnly: false }],
  ])('%s', (raw, expected) => {
    expect(parseVolume(raw, values, '/home/me/app')).toEqual({ ok: true, value: expected });
  });

  it.each<[string, RegExp]>([
    ['/srv/data', /^invalid volume "\/srv\/data"$/],
    ['/a:/b:ro:x', /^invalid volume/],
    ['/a:/b:rx', /^invalid volume mode "rx"/],
    [':/data', /empty path/],
    ['/srv/data:', /empty path/],
    ['/srv/data:data', /the container path must be absolute/],
    ['/srv/data:/', /would hide the container's root folder/],
    ['~/data:/data', /"~" is not supported/],
    ['../shared:/data', /contains a "\.\." path segment/],
    ['/srv/a/../b:/data', /contains a "\.\." path segment/],
    ['/srv/a:/data/../etc', /contains a "\.\." path segment/],
    ['/srv/my data:/data', /contains whitespace/],
    ['/srv/a\\b:/data', /contains "\\"/],
    ['/srv/a#b:/data', /contains "#"/],
    ['/srv/a,b:/data', /contains ","/],
    ['/srv/$bogus:/data', /unknown placeholder "\$bogus"/],
  ])('refuses %j', (raw, message) => {
    const r = parseVolume(raw, values, '/home/me/app');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.hint).toBeTruthy();
    }
  });

  it('allows ".." inside a name, which is not a segment', () => {
    expect(parseVolume('/srv/a..b:/data', values, '/x')).toEqual({ ok: true, value: { hostPath: '/srv/a..b', containerPath: '/data', readOnly: false } });
  });

  it('refuses a relative path when the spec folder holds a space', () => {
    const r = parseVolume('./data:/data', values, '/home/me/My App');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe('volume "./data:/data" resolves to "/home/me/My App/data", which contains whitespace or one of \\ # ,');
    expect(parseVolume('/srv/data:/data', values, '/home/me/My App').ok).toBe(true);
  });
});
