// Port forward syntax: `H:C`, `H:C/udp`, `IP:H:C`, `IP:H:C/tcp`. IPv4 only for now.
import { bad, ok, type Checked } from './spec-error.js';
import type { PortSpec } from './types.js';

export type ParsedPort = Omit<PortSpec, 'raw' | 'ref'>;

export const PORT_FORMS = '"8000:8000", "8000:8000/udp", "8000:8000/tcp", "192.168.2.123:8002:8002", "192.168.2.123:8002:8002/udp"';

const formsHint = `accepted forms: ${PORT_FORMS}`;

export function parsePort(raw: string): Checked<ParsedPort> {
  if (raw.startsWith('[')) {
    return bad(`IPv6 host addresses are not supported yet: "${raw}"`, 'use an IPv4 address, or leave the address out to listen on every address');
  }
  const slash = raw.split('/');
  if (slash.length > 2) return bad(`invalid port "${raw}"`, formsHint);
  const protocol = (slash[1] ?? 'tcp').toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') {
    return bad(`invalid protocol "${slash[1]}" in port "${raw}"`, 'the protocol is tcp (the default) or udp');
  }
  const parts = (slash[0] ?? '').split(':');
  if (parts.length !== 2 && parts.length !== 3) {
    const hint = parts.length > 3 ? `${formsHint} (IPv6 host addresses are not supported yet)` : formsHint;
    return bad(`invalid port "${raw}"`, hint);
  }
  const [ipText, hostText, containerText] = parts.length === 3 ? parts : [undefined, ...parts];
  const hostPort = parsePortNumber(hostText ?? '');
  const containerPort = parsePortNumber(containerText ?? '');
  if (!hostPort.ok) return bad(`${hostPort.message} (host port of "${raw}")`, hostPort.hint);
  if (!containerPort.ok) return bad(`${containerPort.message} (container port of "${raw}")`, containerPort.hint);

  const port: ParsedPort = { hostPort: hostPort.value, containerPort: containerPort.value, protocol };
  if (ipText !== undefined) {
    const ip = parseIpv4(ipText);
    if (!ip.ok) return bad(`${ip.message} in port "${raw}"`, ip.hint);
    // 0.0.0.0 is "every address", the same as writing none; one spelling keeps plans stable.
    if (ip.value !== '0.0.0.0') port.hostIp = ip.value;
  }
  return ok(port);
}

function parsePortNumber(text: string): Checked<number> {
  if (!/^[0-9]{1,5}$/.test(text)) {
    return bad(`"${text}" is not a port number`, `ports are whole numbers 1-65535; ${formsHint}`);
  }
  const n = Number(text);
  if (n < 1 || n > 65535) return bad(`port ${n} is out of range`, 'ports are whole numbers 1-65535');
  return ok(n);
}

function parseIpv4(text: string): Checked<string> {
  const octets = text.split('.');
  const valid =
    octets.length === 4 && octets.every((o) => /^(0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255);
  if (!valid) return bad(`"${text}" is not an IPv4 address`, 'write the host address as a dotted quad, e.g. 192.168.2.123');
  return ok(text);
}
