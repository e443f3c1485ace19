// Port forward syntax: `H:C`, `H:C/udp`, `IP:H:C`, `IP:H:C/tcp`, and `[IPv6]:H:C[/proto]` for IPv6.
import { parseIpv4 } from '../rules/ipv4.js';
import { checkForwardableIpv6, parseIpv6 } from '../rules/ipv6.js';
import { isProtocol, parsePortNumber } from '../rules/ports.js';
import { bad, ok, type Checked } from './spec-error.js';
import type { PortSpec } from './types.js';

export type ParsedPort = Omit<PortSpec, 'raw' | 'ref'>;

export const PORT_FORMS =
  '"8000:8000", "8000:8000/udp", "8000:8000/tcp", "192.168.2.123:8002:8002", "192.168.2.123:8002:8002/udp", "[::]:8080:80", "[2001:db8::1]:8080:80/udp"';

const formsHint = `accepted forms: ${PORT_FORMS}`;

export function parsePort(raw: string): Checked<ParsedPort> {
  const slash = raw.split('/');
  if (slash.length > 2) return bad(`invalid port "${raw}"`, formsHint);
  const protocol = (slash[1] ?? 'tcp').toLowerCase();
  if (!isProtocol(protocol)) {
    return bad(`invalid protocol "${slash[1]}" in port "${raw}"`, 'the protocol is tcp (the default) or udp');
  }
  const body = slash[0] ?? '';
  if (body.startsWith('[')) return parseIpv6Port(raw, body, protocol);
  const parts = body.split(':');
  if (parts.length !== 2 && parts.length !== 3) {
    const hint = parts.length > 3 ? `${formsHint} (an IPv6 host address goes in brackets)` : formsHint;
    return bad(`invalid port "${raw}"`, hint);
  }
  const [ipText, hostText, containerText] = parts.length === 3 ? parts : [undefined, ...parts];
  const numbers = parsePortPair(raw, hostText ?? '', containerText ?? '');
  if (!numbers.ok) return numbers;
  const port: ParsedPort = { ...numbers.value, protocol };
  if (ipText !== undefined) {
    const ip = parseIpv4(ipText, 'write the host address as a dotted quad, e.g. 192.168.2.123');
    if (!ip.ok) return bad(`${ip.message} in port "${raw}"`, ip.hint);
    // 0.0.0.0 is "every address", the same as writing none; one spelling keeps plans stable.
    if (ip.value !== '0.0.0.0') port.hostIp = ip.value;
  }
  return ok(port);
}

/** `[ADDR]:H:C`: the brackets keep the address's colons apart from the ports'. */
function parseIpv6Port(raw: string, body: string, protocol: 'tcp' | 'udp'): Checked<ParsedPort> {
  const close = body.indexOf(']');
  const parts = close < 0 || body[close + 1] !== ':' ? [] : body.slice(close + 2).split(':');
  if (parts.length !== 2) return bad(`invalid port "${raw}"`, formsHint);
  const numbers = parsePortPair(raw, parts[0] ?? '', parts[1] ?? '');
  if (!numbers.ok) return numbers;
  const parsed = parseIpv6(body.slice(1, close));
  const ip = parsed.ok ? checkForwardableIpv6(parsed.value) : parsed;
  if (!ip.ok) return bad(`${ip.message} in port "${raw}"`, ip.hint);
  const port: ParsedPort = { ...numbers.value, protocol, ipv6: true };
  // `::` is every IPv6 address, dropped like 0.0.0.0; `ipv6` alone then says which family.
  if (ip.value !== '::') port.hostIp = ip.value;
  return ok(port);
}

function parsePortPair(raw: string, hostText: string, containerText: string): Checked<{ hostPort: number; containerPort: number }> {
  const hostPort = parsePortNumber(hostText, formsHint);
  const containerPort = parsePortNumber(containerText, formsHint);
  if (!hostPort.ok) return bad(`${hostPort.message} (host port of "${raw}")`, hostPort.hint);
  if (!containerPort.ok) return bad(`${containerPort.message} (container port of "${raw}")`, containerPort.hint);
  return ok({ hostPort: hostPort.value, containerPort: containerPort.value });
}
