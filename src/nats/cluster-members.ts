// The servers of a cluster written by `locker nats-config --cluster`: their names, where each takes
// routes, and which routes it opens. Pure: addresses in, a layout out.

import { LockerError } from '../errors.js';
import { joinHostPort, splitHostPort } from '../rules/endpoints.js';
import { isPortNumber, PORT_MAX } from '../rules/ports.js';
import type { NatsUser } from './nats-config.js';

/** One server of a cluster: its name, where it takes routes, and the routes to the other servers. */
export interface NatsClusterMember {
  /** The cluster's name, the same on every server. */
  name: string;
  /** This server's name, unique in the cluster: JetStream tells its peers apart by it. */
  serverName: string;
  /** `host:port` this server listens on for the other servers. */
  listen: string;
  /** `host:port` of every other server's route listener. */
  routes: string[];
  /** The user the servers of the cluster connect to each other as. */
  route: NatsUser;
}

/** The name every server of a cluster written by `nats-config --cluster` shares. */
export const CLUSTER_NAME = 'locker';
/** The user the servers of such a cluster connect to each other as. */
export const ROUTE_USER = 'route';
/** Each server takes routes this far above its client port: 4222 and 6222, as NATS's own examples pair them. */
export const ROUTE_PORT_OFFSET = 2000;

/**
 * The cluster of `servers` (each `host:port` where clients reach it, 3 or more): server `locker-N`
 * takes routes on its client port + 2000 and connects to every other one's.
 */
export function clusterMembers(servers: readonly string[], route: NatsUser): NatsClusterMember[] {
  if (servers.length < 3) {
    throw new LockerError('USAGE', `a cluster needs 3 servers or more, got ${servers.length}: ${servers.join(', ') || 'none'}`, {
      hint: 'JetStream keeps going with one server down only when a majority is left: list 3 (or 5) servers in --nats',
    });
  }
  if (new Set(servers).size !== servers.length) {
    throw new LockerError('USAGE', `a server is listed twice in ${servers.join(', ')}`);
  }
  const routes = servers.map((server) => {
    const parsed = splitHostPort(server);
    if (parsed?.port === undefined) {
      throw new LockerError('USAGE', `cluster server ${server} is not HOST:PORT`, { hint: 'an IPv6 address goes in brackets: [fd00::1]:4222' });
    }
    const { host } = parsed;
    const port = parsed.port + ROUTE_PORT_OFFSET;
    if (['0.0.0.0', '::', ''].includes(host)) {
      const shown = host === '' ? 'an empty host' : server.slice(0, server.lastIndexOf(':'));
      throw new LockerError('USAGE', `cluster server ${server}: give the address the other servers reach it at, not ${shown}`);
    }
    if (!isPortNumber(port)) {
      throw new LockerError('USAGE', `cluster server ${server}: its route port (client port + ${ROUTE_PORT_OFFSET}) is past ${PORT_MAX}`);
    }
    return joinHostPort(host, port);
  });
  return servers.map((_, i) => ({
    name: CLUSTER_NAME,
    serverName: `${CLUSTER_NAME}-${i + 1}`,
    listen: routes[i]!,
    routes: routes.filter((_, j) => j !== i),
    route,
  }));
}
