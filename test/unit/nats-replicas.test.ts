// How many replicas Locker's streams get, and how `--nats` lists servers: pure choices, tested as tables.
import { describe, expect, it } from 'vitest';
import { parseNatsServers } from '../../src/nats/connect.js';
import { chooseReplicas, clusterSize, parseReplicas, type NatsReplicas } from '../../src/nats/replicas.js';

describe('clusterSize', () => {
  it.each([
    ['a server outside a cluster', { connect_urls: ['127.0.0.1:4222'] }, 1],
    ['a cluster of three', { cluster: 'locker', connect_urls: ['a:4222', 'b:4222', 'c:4222'] }, 3],
    ['a cluster with one server down (not advertised)', { cluster: 'locker', connect_urls: ['a:4222', 'b:4222'] }, 2],
    ['a cluster that advertises nothing (no_advertise)', { cluster: 'locker' }, 1],
    ['a URL advertised twice', { cluster: 'locker', connect_urls: ['a:4222', 'a:4222', 'b:4222'] }, 2],
    ['no INFO yet', undefined, 1],
  ])('%s', (_name, info, size) => {
    expect(clusterSize(info)).toBe(size);
  });
});

describe('chooseReplicas', () => {
  it.each<[string, NatsReplicas, number, number | undefined, number]>([
    ['auto, one server, new stream', 'auto', 1, undefined, 1],
    ['auto, cluster of three, new stream', 'auto', 3, undefined, 3],
    ['auto, cluster of five, new stream', 'auto', 5, undefined, 3],
    ['auto, two servers: no quorum to gain', 'auto', 2, undefined, 1],
    ['auto, a stream made on one server, now on a cluster of three: raised', 'auto', 3, 1, 3],
    ['auto, a cluster seen with a server down: an R3 stream is not lowered', 'auto', 2, 3, 3],
    ['auto, a stream the user made R5 stays R5', 'auto', 3, 5, 5],
    ['chosen 1 on a cluster: lowered', 1, 3, 3, 1],
    ['chosen 3 on one server: asked for (JetStream refuses it)', 3, 1, undefined, 3],
  ])('%s', (_name, option, servers, existing, wanted) => {
    expect(chooseReplicas(option, servers, existing)).toBe(wanted);
  });
});

describe('parseReplicas', () => {
  it.each([
    ['auto', 'auto'],
    ['1', 1],
    ['3', 3],
    ['5', 5],
  ])('takes %s', (text, value) => {
    expect(parseReplicas(text)).toBe(value);
  });

  it.each(['0', '6', '2.5', 'three', ''])('refuses "%s" as USAGE', (text) => {
    expect(() => parseReplicas(text)).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('parseNatsServers', () => {
  it.each([
    ['one URL', 'nats://a:4222', ['nats://a:4222']],
    ['a list', 'nats://a:4222,nats://b:4222,nats://c:4222', ['nats://a:4222', 'nats://b:4222', 'nats://c:4222']],
    ['spaces and an empty entry', ' nats://a:4222 , ,nats://b:4222,', ['nats://a:4222', 'nats://b:4222']],
  ])('%s', (_name, text, servers) => {
    expect(parseNatsServers(text)).toEqual(servers);
  });

  it('refuses a list without a server', () => {
    expect(() => parseNatsServers(' , ')).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });
});
