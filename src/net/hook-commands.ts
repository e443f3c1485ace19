// The data of a container's forward hook: the same rules Locker applies (chains, jumps, the port rules),
// as `FAMILY TABLE OP CHAIN ARGS` lines the hook replays with iptables -C/-A at every start. Pure.

import { CHAINS, jumpRules, portRules, renderArgs, type WantedRule } from './forward-rules.js';
import type { ForwardRequest } from './forwards.js';
import { assertForwardInput, assertName } from './validate.js';

export function renderHookData(f: ForwardRequest): string {
  assertName('host', f.host);
  assertForwardInput(f);
  const lines: string[] = [];
  for (const family of [4, 6] as const) {
    const ports = f.ports.filter((p) => (family === 6) === (p.ipv6 === true));
    if (ports.length === 0) continue;
    const targetIp = family === 6 ? f.targetIp6 : f.targetIp;
    if (targetIp === undefined) continue; // setForwards refused this already
    const line = (op: 'N' | 'I' | 'A', r: WantedRule) => `${family} ${r.table} ${op} ${r.chain} ${hookArgs(r)}`;
    for (const { table, chain } of Object.values(CHAINS)) lines.push(`${family} ${table} N ${chain}`);
    for (const jump of jumpRules()) lines.push(line('I', jump));
    for (const port of ports) for (const rule of portRules({ ...f, targetIp }, port)) lines.push(line('A', rule));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** The hook splits words on spaces: tags hold no space or quote (validated), so the quotes can go. */
function hookArgs(r: WantedRule): string {
  return renderArgs(r).replace(/"/g, '');
}
