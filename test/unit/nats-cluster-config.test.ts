// `locker nats-config --cluster`: one configuration per server, each with its name, its own store, and
// routes to every other server (client port + 2000), authenticated with the route user. Pure rendering.
import { describe, expect, it } from 'vitest';
import { clusterMembers, ROUTE_USER } from '../../src/nats/cluster-members.js';
import { renderNatsConfig } from '../../src/nats/nats-config.js';

const route = { user: ROUTE_USER, password: 'p/w+' };
const servers = ['10.0.0.1:4222', '10.0.0.2:4222', '10.0.0.3:4222'];

describe('clusterMembers', () => {
  it('names each server and routes it to the others on client port + 2000', () => {
    expect(clusterMembers(servers, route).map((m) => [m.serverName, m.listen, m.routes])).toEqual([
      ['locker-1', '10.0.0.1:6222', ['10.0.0.2:6222', '10.0.0.3:6222']],
      ['locker-2', '10.0.0.2:6222', ['10.0.0.1:6222', '10.0.0.3:6222']],
      ['locker-3', '10.0.0.3:6222', ['10.0.0.1:6222', '10.0.0.2:6222']],
    ]);
  });

  it('three servers on one machine get three route ports', () => {
    const m = clusterMembers(['127.0.0.1:4222', '127.0.0.1:4223', '127.0.0.1:4224'], route);
    expect(m.map((x) => x.listen)).toEqual(['127.0.0.1:6222', '127.0.0.1:6223', '127.0.0.1:6224']);
  });

  it.each([
    ['two servers', ['a:4222', 'b:4222'], /needs 3 servers or more/],
    ['a server twice', ['a:4222', 'a:4222', 'b:4222'], /listed twice/],
    ['a wildcard address', ['0.0.0.0:4222', 'b:4222', 'c:4222'], /address the other servers reach it at/],
    ['a route port past 65535', ['a:64000', 'b:4222', 'c:4222'], /past 65535/],
  ])('refuses %s as USAGE', (_name, list, message) => {
    expect(() => clusterMembers(list, route)).toThrowError(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(message) }));
  });
});

describe('renderNatsConfig with a cluster', () => {
  const control = { user: 'control', password: 'c' };
  const agents = [{ host: 'web1', user: 'agent-web1', password: 'a' }];
  const [member] = clusterMembers(servers, route);
  const text = renderNatsConfig({ listen: servers[0]!, storeDir: '/var/lib/nats/locker-1', control, agents, cluster: member });

  it('names the server and keeps its own store', () => {
    expect(text).toMatch(/^server_name: "locker-1"$/m);
    expect(text).toMatch(/^listen: "10\.0\.0\.1:4222"$/m);
    expect(text).toContain('store_dir: "/var/lib/nats/locker-1"');
  });

  it('takes routes as the route user and connects to the others with its password, URL-encoded', () => {
    expect(text).toContain('cluster {\n  name: "locker"\n  listen: "10.0.0.1:6222"');
    expect(text).toContain('authorization { user: "route", password: "p/w+" }');
    expect(text).toContain('"nats-route://route:p%2Fw%2B@10.0.0.2:6222"');
    expect(text).toContain('"nats-route://route:p%2Fw%2B@10.0.0.3:6222"');
    expect(text).not.toContain('@10.0.0.1:6222');
  });

  it('keeps the same users as a single server', () => {
    const single = renderNatsConfig({ listen: servers[0]!, storeDir: '/var/lib/nats/locker-1', control, agents });
    const users = (t: string) => t.slice(t.indexOf('authorization {\n  users'));
    expect(users(text)).toBe(users(single));
    expect(single).not.toContain('cluster {');
    expect(single).not.toContain('server_name');
  });
});
