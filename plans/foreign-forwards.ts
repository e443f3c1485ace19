// Host ports someone else already forwards: another Locker project, or a container this project no
// longer has. Refused at plan time, at the port's spec line, instead of failing half-way through an apply.
// The host is in the way, not the spec: PORT_IN_USE, located at the spec line that asks for the port.

import type { ContainerSpec } from '../src/spec/types.js';
import { labelPort, portsOverlap } from '../src/rules/ports.js';
import { specError } from '../src/spec/spec-error.js';
import type { TeardownSubject } from './find-leftovers.js';
import { refOf } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';

/**
 * For each container that will get forward-ports: a port that a forward of another project holds is an
 * error; one held by a leftover of this project is fine when this plan removes it first (an edge makes
 * sure it does). Ports held by another container of the spec are that container's own forward-ports'
 * business, and the spec loader refuses two containers wanting one port.
 */
export function checkForeignForwards(ctx: PlanContext, scope: readonly ContainerSpec[], leftovers: readonly TeardownSubject[]): void {
  const project = ctx.desired.project;
  for (const spec of scope) {
    const ref = refOf(spec);
    if (!ctx.draft.has(ref, 'forward-ports')) continue;
    const forwards = ctx.observed.get(spec.host)?.forwards ?? [];
    for (const port of spec.ports) {
      for (const f of forwards) {
        if (!portsOverlap(port, f)) continue;
        if (f.project === project) {
          if (ctx.desired.containers.some((c) => c.name === f.container && c.host === spec.host)) continue;
          const leftover = leftovers.find((s) => s.ref.host === spec.host && s.forwards.includes(f));
          if (leftover !== undefined && ctx.draft.has(leftover.ref, 'unforward-ports')) {
            ctx.draft.require(ref, 'forward-ports', leftover.ref, 'unforward-ports');
            continue;
          }
          throw specError(
            `host port ${labelPort(port)} is already forwarded to ${f.container}, a container of this project that is no longer in the spec (host "${spec.host}")`,
            port.ref,
            'run `locker up` without naming containers (it removes what left the spec), or `locker rmports`, then try again',
            'PORT_IN_USE',
          );
        }
        throw specError(
          `host port ${labelPort(port)} is already forwarded by project "${f.project}" to its container ${f.container} (host "${spec.host}")`,
          port.ref,
          `use another host port, or free it first: \`locker rmports\` in project ${f.project}`,
          'PORT_IN_USE',
        );
      }
    }
  }
}
