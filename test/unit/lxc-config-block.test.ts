// Locker's block in a container config: parse, render, and what lxc-copy does to it in a clone.

import { describe, expect, it } from 'vitest';
import {
  parseLockerBlock,
  parseManagedBlock,
  parseRootfs,
  parseSnapshotOrigin,
  renderConfig,
  rootfsLayers,
  type BlockNetwork,
  type LockerBlock,
} from '../../src/lxc/index.js';
import { thrown } from '../helpers/errors.js';

const TEMPLATE_CONFIG = `# Template used to create this container: /usr/share/lxc/templates/lxc-busybox
# Parameters passed to the template:

lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.rootfs.path = dir:/var/lib/lxc/demo_web/rootfs
lxc.uts.name = "demo_web"
lxc.mount.entry = /lib lib none ro,bind 0 0
`;

const BLOCK = `# locker:begin project=demo container=web
lxc.mount.entry = /srv/demo/web srv/data none bind,create=dir 0 0
lxc.mount.entry = /srv/demo/app.ini etc/app.ini none bind,ro,create=file 0 0
lxc.uts.name = web
lxc.hook.mount = /var/lib/lxc/demo_web/locker-hostname-hook
# locker:fqdn=web.example.net
# locker:end
`;

const WEB: LockerBlock = {
  project: 'demo',
  container: 'web',
  mounts: [
    { hostPath: '/srv/demo/web', containerPath: '/srv/data', readOnly: false, isFile: false },
    { hostPath: '/srv/demo/app.ini', containerPath: '/etc/app.ini', readOnly: true, isFile: true },
  ],
  fqdn: 'web.example.net',
  hookPath: '/var/lib/lxc/demo_web/locker-hostname-hook',
};

describe('parseManagedBlock', () => {
  it('reads project, container, mounts with absolute container paths, and the fqdn', () => {
    expect(parseManagedBlock(TEMPLATE_CONFIG + BLOCK)).toEqual({
      project: 'demo',
      container: 'web',
      mounts: [
        { hostPath: '/srv/demo/web', containerPath: '/srv/data', readOnly: false },
        { hostPath: '/srv/demo/app.ini', containerPath: '/etc/app.ini', readOnly: true },
      ],
      fqdn: 'web.example.net',
    });
  });

  it('returns undefined for a config Locker never wrote to', () => {
    expect(parseManagedBlock(TEMPLATE_CONFIG)).toBeUndefined();
  });

  it('leaves fqdn undefined when no hook is installed', () => {
    const block = '# locker:begin project=demo container=db\n# locker:end\n';
    const managed = parseManagedBlock(TEMPLATE_CONFIG + block);
    expect(managed).toEqual({ project: 'demo', container: 'db', mounts: [] });
    expect(managed).not.toHaveProperty('fqdn');
  });

  it('ignores mount entries outside the block (the template has its own)', () => {
    expect(parseManagedBlock(TEMPLATE_CONFIG + BLOCK)?.mounts.map((m) => m.hostPath)).not.toContain('/lib');
  });

  it.each([
    ['two blocks', TEMPLATE_CONFIG + BLOCK + BLOCK, /expected one Locker block, found 2 begin and 2 end/],
    ['a begin without an end', TEMPLATE_CONFIG + BLOCK.replace('# locker:end\n', ''), /found 1 begin and 0 end/],
    ['an end before the begin', '# locker:end\n# locker:begin project=a container=b\n', /comes before/],
    ['a header without identity', '# locker:begin\n# locker:end\n', /unreadable block header/],
    ['a foreign key inside the block', BLOCK.replace('lxc.uts.name = web', 'lxc.cap.drop = sys_time'), /unexpected line/],
    ['a short mount entry', BLOCK.replace('srv/data none bind,create=dir 0 0', 'srv/data'), /unreadable mount entry/],
  ])('treats a config with %s as corrupt', (_what, text, message) => {
    const err = thrown(() => parseManagedBlock(text, '/x/demo_web/config'));
    expect(err.code).toBe('HOST_PRECONDITION');
    expect(err.message).toMatch(message);
    expect(err.message).toContain('/x/demo_web/config');
  });

  it('reads the block lxc-copy leaves in a snapshot clone: uts line gone, hook path moved, own keys after it', () => {
    // As captured from `lxc-copy -s -B overlayfs` of a container with a block.
    const clone = `${TEMPLATE_CONFIG.replace(/lxc\.rootfs\.path.*\n/, '').replace(/lxc\.uts\.name.*\n/, '')}# locker:begin project=demo container=web
lxc.mount.entry = /srv/demo/web srv/data none bind,create=dir 0 0
lxc.hook.mount = /var/lib/lxc/demo_web2/locker-hostname-hook
# locker:fqdn=web.example.net
# locker:end
lxc.rootfs.path = overlay:/var/lib/lxc/demo_web/rootfs:/var/lib/lxc/demo_web2/overlay/delta
lxc.uts.name = demo_web2
`;
    const block = parseLockerBlock(clone);
    expect(block).toMatchObject({ project: 'demo', container: 'web', fqdn: 'web.example.net' });
    expect(block?.hookPath).toBe('/var/lib/lxc/demo_web2/locker-hostname-hook');
    expect(parseSnapshotOrigin(clone, '/var/lib/lxc')).toBe('demo_web');

    // Rewriting moves the block after lxc-copy's `lxc.uts.name`, so the block's name wins.
    const rewritten = renderConfig(clone, { ...WEB, container: 'web2', fqdn: 'web2.example.net', hookPath: '/h' });
    const utsLines = rewritten.split('\n').filter((l) => l.startsWith('lxc.uts.name'));
    expect(utsLines.at(-1)).toBe('lxc.uts.name = web2');
    expect(rewritten).toContain('lxc.rootfs.path = overlay:/var/lib/lxc/demo_web/rootfs');
    expect(rewritten.trimEnd().endsWith('# locker:end')).toBe(true);
  });
});

describe('renderConfig', () => {
  it('appends the block in the documented form and keeps the rest byte for byte', () => {
    const out = renderConfig(TEMPLATE_CONFIG, WEB);
    expect(out).toBe(TEMPLATE_CONFIG + BLOCK);
  });

  it('adds the newline a config without a final newline lacks', () => {
    expect(renderConfig('lxc.tty.max = 5', WEB)).toBe(`lxc.tty.max = 5\n${BLOCK}`);
  });

  it('replaces an existing block instead of adding a second one', () => {
    const once = renderConfig(TEMPLATE_CONFIG, WEB);
    const next = renderConfig(once, { ...WEB, mounts: [], fqdn: undefined });
    expect(next).toBe(`${TEMPLATE_CONFIG}# locker:begin project=demo container=web\n# locker:end\n`);
    expect(parseManagedBlock(next)).toEqual({ project: 'demo', container: 'web', mounts: [] });
  });

  it('is stable: rendering the same block again gives the same text (so a repeat is "adopted")', () => {
    const once = renderConfig(TEMPLATE_CONFIG, WEB);
    expect(renderConfig(once, WEB)).toBe(once);
  });

  it('round-trips: what it renders parses back to the same block', () => {
    expect(parseLockerBlock(renderConfig(TEMPLATE_CONFIG, WEB))).toEqual(WEB);
  });

  it('moves a block found mid-file to the end, keeping the lines around it', () => {
    const middle = `lxc.a = 1\n${BLOCK}lxc.b = 2\n`;
    expect(renderConfig(middle, WEB)).toBe(`lxc.a = 1\nlxc.b = 2\n${BLOCK}`);
  });

  it('removes the block when given none', () => {
    expect(renderConfig(TEMPLATE_CONFIG + BLOCK, undefined)).toBe(TEMPLATE_CONFIG);
  });

  it('refuses to render an fqdn without a hook path', () => {
    expect(() => renderConfig(TEMPLATE_CONFIG, { ...WEB, hookPath: undefined })).toThrow(/no hook path/);
  });

  it('refuses to rewrite a corrupt config rather than guess which block is Locker\'s', () => {
    expect(() => renderConfig(TEMPLATE_CONFIG + BLOCK + BLOCK, WEB)).toThrow(/expected one Locker block/);
  });

  it('writes a read-only single file as bind,ro,create=file and a directory as bind,create=dir', () => {
    const out = renderConfig('', {
      project: 'p',
      container: 'c',
      mounts: [
        { hostPath: '/h/f', containerPath: '/etc/f.conf', readOnly: true, isFile: true },
        { hostPath: '/h/d', containerPath: '/var//lib/d/', readOnly: false, isFile: false },
      ],
    });
    expect(out).toContain('lxc.mount.entry = /h/f etc/f.conf none bind,ro,create=file 0 0\n');
    expect(out).toContain('lxc.mount.entry = /h/d var/lib/d none bind,create=dir 0 0\n');
    expect(parseManagedBlock(out)?.mounts[1]?.containerPath).toBe('/var/lib/d');
  });
});

describe('parseRootfs / parseSnapshotOrigin', () => {
  it.each([
    ['overlay:/l/web/rootfs:/l/web2/overlay/delta', '/l', 'web'],
    ['overlayfs:/l/web/rootfs:/l/web2/overlay/delta', '/l', 'web'],
    ['overlay:/l/web/rootfs:/l/web2/overlay/delta', '/l/', 'web'],
    ['overlay:/other/web/rootfs:/l/web2/overlay/delta', '/l', undefined],
    ['overlay:/l/web/base:/l/web2/overlay/delta', '/l', undefined],
    ['dir:/l/web/rootfs', '/l', undefined],
  ])('%s in lxcpath %s has origin %s', (rootfs, lxcpath, origin) => {
    expect(parseSnapshotOrigin(`lxc.rootfs.path = ${rootfs}\n`, lxcpath)).toBe(origin);
  });

  it('takes the last lxc.rootfs.path, as LXC does', () => {
    const text = 'lxc.rootfs.path = dir:/a\nlxc.rootfs.path = overlay:/l/o/rootfs:/l/c/overlay/delta\n';
    expect(parseRootfs(text)).toEqual({ kind: 'overlay', lower: '/l/o/rootfs', upper: '/l/c/overlay/delta' });
  });

  it('gives the layers bottom first: the origin rootfs, then the clone delta', () => {
    expect(rootfsLayers({ kind: 'overlay', lower: '/l/o/rootfs', upper: '/l/c/overlay/delta' })).toEqual([
      '/l/o/rootfs',
      '/l/c/overlay/delta',
    ]);
    expect(rootfsLayers({ kind: 'dir', path: '/l/c/rootfs' })).toEqual(['/l/c/rootfs']);
    expect(parseRootfs('lxc.rootfs.path = /plain/rootfs\n')).toEqual({ kind: 'dir', path: '/plain/rootfs' });
    expect(rootfsLayers({ kind: 'other', raw: 'lvm:/dev/vg/c' })).toBeUndefined();
    expect(parseRootfs('lxc.tty.max = 5\n')).toBeUndefined();
  });
});

describe('network, hooks and autostart in the block', () => {
  const NETWORK: BlockNetwork = {
    bridge: 'lxcbr0',
    mac: '02:4c:11:22:33:44',
    ipv4: '10.0.3.5',
    prefix: 24,
    gateway: '10.0.3.1',
    ipv6: { address: 'fd42::4c:11ff:fe22:3344', prefix: 64, gateway: 'fd42::1' },
  };
  const { ipv6: _ipv6, ...NETWORK4 } = NETWORK;
  const FORWARD_HOOK = '/var/lib/lxc/demo_web/locker-forward-hook';
  const LINKS_HOOK = '/var/lib/lxc/demo_web/locker-links-hook';
  const FULL: LockerBlock = { ...WEB, network: NETWORK, forwardHookPath: FORWARD_HOOK, linksHookPath: LINKS_HOOK, autostartOrder: 2 };
  const BARE: LockerBlock = { project: 'demo', container: 'web', mounts: [] };

  it('renders the interface, the hooks and the boot settings in the documented form', () => {
    expect(renderConfig('', { ...BARE, fqdn: 'web.example.net', hookPath: WEB.hookPath, network: NETWORK, forwardHookPath: FORWARD_HOOK, linksHookPath: LINKS_HOOK, autostartOrder: 2 })).toBe(
      [
        '# locker:begin project=demo container=web',
        'lxc.uts.name = web',
        'lxc.hook.mount = /var/lib/lxc/demo_web/locker-hostname-hook',
        '# locker:fqdn=web.example.net',
        'lxc.net.0.type = veth',
        'lxc.net.0.link = lxcbr0',
        'lxc.net.0.flags = up',
        'lxc.net.0.hwaddr = 02:4c:11:22:33:44',
        // The empty keys first clear addresses the config set above the block (LXC keeps them as lists).
        'lxc.net.0.ipv4.address =',
        // The broadcast is spelled out: LXC 5.0.2 derives 0.0.0.255 from a bare /24.
        'lxc.net.0.ipv4.address = 10.0.3.5/24 10.0.3.255',
        'lxc.net.0.ipv4.gateway = 10.0.3.1',
        'lxc.net.0.ipv6.address =',
        'lxc.net.0.ipv6.address = fd42::4c:11ff:fe22:3344/64',
        'lxc.net.0.ipv6.gateway = fd42::1',
        'lxc.hook.start-host = /var/lib/lxc/demo_web/locker-forward-hook',
        'lxc.hook.mount = /var/lib/lxc/demo_web/locker-links-hook',
        'lxc.start.auto = 1',
        'lxc.start.order = 2',
        'lxc.group = onboot',
        '# locker:end',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['10.0.3.5', 24, '10.0.3.5/24 10.0.3.255'],
    ['172.16.40.9', 16, '172.16.40.9/16 172.16.255.255'],
    ['10.0.3.2', 30, '10.0.3.2/30 10.0.3.3'],
    ['10.0.3.2', 31, '10.0.3.2/31 0.0.0.0'],
    ['10.0.3.2', 32, '10.0.3.2/32 0.0.0.0'],
  ])('writes %s/%i with its broadcast: %s, and reads the address back without it', (ipv4, prefix, line) => {
    const network: BlockNetwork = { ...NETWORK4, ipv4, prefix };
    const text = renderConfig('', { ...BARE, network });
    expect(text).toContain(`\nlxc.net.0.ipv4.address = ${line}\n`);
    expect(parseLockerBlock(text)?.network).toEqual(network);
  });

  it('an interface without IPv6 still clears IPv6 addresses set above the block', () => {
    const out = renderConfig('', { ...BARE, network: NETWORK4 });
    expect(out).toContain('lxc.net.0.ipv6.address =\n# locker:end\n');
    expect(out).not.toContain('ipv6.gateway');
  });

  it.each<[string, LockerBlock]>([
    ['everything at once', FULL],
    ['an interface with both families', { ...BARE, network: NETWORK }],
    ['an interface without IPv6', { ...BARE, network: NETWORK4 }],
    ['the forward hook alone', { ...BARE, forwardHookPath: FORWARD_HOOK }],
    ['the links hook without a hostname hook', { ...BARE, linksHookPath: LINKS_HOOK }],
    ['the hostname hook and the links hook: two lxc.hook.mount lines told apart by file name', { ...WEB, linksHookPath: LINKS_HOOK }],
    ['boot order 0 (a container nothing else waits for)', { ...BARE, autostartOrder: 0 }],
    ['a deep boot order', { ...BARE, network: NETWORK4, autostartOrder: 7 }],
  ])('round-trips %s: render then parse gives the same block, and rendering again changes nothing', (_what, block) => {
    const text = renderConfig(TEMPLATE_CONFIG, block);
    expect(parseLockerBlock(text)).toEqual(block);
    expect(renderConfig(text, block)).toBe(text);
  });

  it('parseManagedBlock gives the planner the network record and the boot order', () => {
    expect(parseManagedBlock(renderConfig(TEMPLATE_CONFIG, FULL))).toEqual({
      project: 'demo',
      container: 'web',
      mounts: [
        { hostPath: '/srv/demo/web', containerPath: '/srv/data', readOnly: false },
        { hostPath: '/srv/demo/app.ini', containerPath: '/etc/app.ini', readOnly: true },
      ],
      fqdn: 'web.example.net',
      network: { bridge: 'lxcbr0', mac: '02:4c:11:22:33:44', ipv4: '10.0.3.5', ipv6: 'fd42::4c:11ff:fe22:3344' },
      autostartOrder: 2,
    });
  });

  it('parseManagedBlock leaves network, ipv6 and autostartOrder out when the block has none', () => {
    const managed = parseManagedBlock(renderConfig(TEMPLATE_CONFIG, { ...BARE, network: NETWORK4, linksHookPath: LINKS_HOOK }));
    expect(managed).toEqual({ project: 'demo', container: 'web', mounts: [], network: { bridge: 'lxcbr0', mac: '02:4c:11:22:33:44', ipv4: '10.0.3.5' } });
    expect(managed?.network).not.toHaveProperty('ipv6');
    expect(managed).not.toHaveProperty('autostartOrder');
  });

  it('replacing the block drops an interface and boot settings the new block does not have', () => {
    const once = renderConfig(TEMPLATE_CONFIG, FULL);
    expect(renderConfig(once, BARE)).toBe(`${TEMPLATE_CONFIG}# locker:begin project=demo container=web\n# locker:end\n`);
  });

  it.each([
    ['an interface without a gateway', (t: string) => t.replace('lxc.net.0.ipv4.gateway = 10.0.3.1\n', ''), /names an interface without its bridge, MAC, IPv4 address or gateway/],
    ['an interface without a MAC', (t: string) => t.replace(/lxc\.net\.0\.hwaddr = .*\n/, ''), /without its bridge, MAC/],
    ['an IPv4 address without its prefix length', (t: string) => t.replace('10.0.3.5/24', '10.0.3.5'), /without its bridge, MAC, IPv4 address/],
    ['a boot order that is not a number', (t: string) => t.replace('lxc.start.order = 2', 'lxc.start.order = first'), /unreadable lxc\.start\.order/],
    ['a boot order that is not whole', (t: string) => t.replace('lxc.start.order = 2', 'lxc.start.order = 1.5'), /unreadable lxc\.start\.order/],
    ['a foreign lxc.net key of another interface', (t: string) => t.replace('lxc.start.auto = 1', 'lxc.net.1.type = veth'), /unexpected line/],
  ])('treats a block with %s as corrupt', (_what, edit, message) => {
    const text = edit(renderConfig(TEMPLATE_CONFIG, FULL));
    const err = thrown(() => parseManagedBlock(text, '/x/demo_web/config'));
    expect(err.code).toBe('HOST_PRECONDITION');
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/edited by hand/);
  });
});

describe('limits and raw keys in the block', () => {
  const shaped: LockerBlock = {
    project: 'demo',
    container: 'web',
    mounts: [{ hostPath: '/srv/demo/web', containerPath: '/srv/data', readOnly: false, isFile: false }],
    cgroup: [
      { key: 'memory.max', value: '536870912' },
      { key: 'cpu.max', value: '150000 100000' },
    ],
    config: [
      { key: 'lxc.mount.entry', value: 'tmpfs tmp tmpfs defaults 0 0' },
      { key: 'lxc.cap.drop', value: '' },
      { key: 'lxc.environment', value: 'A=b=c' },
    ],
  };

  it('renders them last, limits as lxc.cgroup2 keys, and reads them back apart from Locker\'s own mounts', () => {
    const text = renderConfig(TEMPLATE_CONFIG, shaped);
    expect(text).toContain(
      ['# locker:limits', 'lxc.cgroup2.memory.max = 536870912', 'lxc.cgroup2.cpu.max = 150000 100000', '# locker:config', 'lxc.mount.entry = tmpfs tmp tmpfs defaults 0 0', 'lxc.cap.drop =', 'lxc.environment = A=b=c', '# locker:end'].join('\n'),
    );
    expect(parseLockerBlock(text)).toEqual(shaped);
    expect(parseManagedBlock(text)).toMatchObject({ mounts: [{ hostPath: '/srv/demo/web' }], cgroup: shaped.cgroup, config: shaped.config });
  });

  it('renders v1 files (a host with the controller on cgroup v1) as lxc.cgroup keys, and reads them back as v1', () => {
    const v1: LockerBlock = { ...shaped, cgroup: [{ key: 'memory.limit_in_bytes', value: '67108864', v1: true }, { key: 'memory.max', value: 'max' }, { key: 'pids.max', value: '64', v1: true }] };
    const text = renderConfig(TEMPLATE_CONFIG, v1);
    expect(text).toContain(['# locker:limits', 'lxc.cgroup.memory.limit_in_bytes = 67108864', 'lxc.cgroup2.memory.max = max', 'lxc.cgroup.pids.max = 64', '# locker:config'].join('\n'));
    expect(parseLockerBlock(text)).toEqual(v1);
  });

  it('keeps a provision record apart from the limits and raw keys', () => {
    const both: LockerBlock = { ...shaped, provision: { digest: 'a'.repeat(64), state: 'done' } };
    expect(parseLockerBlock(renderConfig(TEMPLATE_CONFIG, both))).toEqual(both);
  });

  it('never writes a value with a line break (it would add a key of its own)', () => {
    const evil: LockerBlock = { ...shaped, config: [{ key: 'lxc.arch', value: 'x86_64\nlxc.hook.pre-start = /bin/evil' }] };
    expect(thrown(() => renderConfig(TEMPLATE_CONFIG, evil)).code).toBe('INTERNAL');
  });

  it('calls a hand-edited limits section corrupt', () => {
    const text = renderConfig(TEMPLATE_CONFIG, shaped).replace('lxc.cgroup2.cpu.max', 'lxc.hook.start');
    expect(thrown(() => parseLockerBlock(text)).message).toMatch(/unexpected line in the limits of the Locker block/);
  });
});
