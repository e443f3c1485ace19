// The project the fault tests run: four containers, two busybox with a volume and a snapshot clone of
// each, ports on web and its clone. db's volume is its /etc/init.d, which the template fills: the first
// creation copies it into the empty host folder (Locker's "move"), so `rcS` in that folder shows the
// copy was made from a finished container.

import type { ExpectedHost } from './host-integrity.js';

export interface FaultSpecOptions {
  /** Host folder under which the volumes live. */
  data: string;
  ports: { web: number; web2: number };
  /** NATS mode: the agent host of web (and web2) and of db (and db2). */
  hosts?: { web: string; db: string };
  /** A template (script path) for web instead of busybox. */
  webTemplate?: string;
  /** A template (script path) for db instead of busybox. */
  dbTemplate?: string;
}

export function faultSpec(o: FaultSpecOptions): string {
  const on = (h: string | undefined) => (h ? `\n    host: ${h}` : '');
  return `containers:
  web:${on(o.hosts?.web)}
    template: ${o.webTemplate ?? 'busybox'}
    volumes: ["${o.data}/web:/srv"]
    ports: ["${o.ports.web}:80"]
  web2:${on(o.hosts?.web)}
    clone: web
    snapshot: true
    ports: ["${o.ports.web2}:80"]
  db:${on(o.hosts?.db)}
    template: ${o.dbTemplate ?? 'busybox'}
    volumes: ["${o.data}/db:/etc/init.d"]
  db2:${on(o.hosts?.db)}
    clone: db
    snapshot: true
`;
}

/** What the hosts must hold once faultSpec() is applied; `side` says which pair lives on which host. */
export function faultSpecHosts(o: FaultSpecOptions, where: Array<{ host: string; lxcpath: string; side: 'web' | 'db' | 'both' }>): ExpectedHost[] {
  const web = [
    { name: 'web', mounts: [`${o.data}/web`], ports: [{ hostPort: o.ports.web, containerPort: 80 }] },
    { name: 'web2', ports: [{ hostPort: o.ports.web2, containerPort: 80 }] },
  ];
  const db = [{ name: 'db', mounts: [`${o.data}/db`] }, { name: 'db2' }];
  return where.map(({ host, lxcpath, side }) => ({ host, lxcpath, containers: side === 'web' ? web : side === 'db' ? db : [...web, ...db] }));
}

/** A template script that sleeps, then makes a busybox container: a fault can land while it runs. */
export function slowTemplateScript(seconds: number): string {
  return `#!/bin/sh\nsleep ${seconds}\nexec /usr/share/lxc/templates/lxc-busybox "$@"\n`;
}
