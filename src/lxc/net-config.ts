// What a container's config says of its first interface, whoever wrote it: the MAC and static IPv4
// addresses it will have. Pure; LXC keeps the last hwaddr, and an empty address key clears the list.

export interface ConfiguredInterface {
  mac?: string;
  ipv4: string[];
}

export function parseConfiguredInterface(configText: string): ConfiguredInterface {
  const found: ConfiguredInterface = { ipv4: [] };
  for (const line of configText.split('\n')) {
    const m = /^\s*lxc\.net\.0\.(hwaddr|ipv4\.address)\s*=\s*(.*?)\s*$/.exec(line);
    if (m === null) continue;
    if (m[1] === 'hwaddr') found.mac = m[2]!.toLowerCase();
    else if (m[2] === '') found.ipv4 = [];
    else found.ipv4.push(m[2]!.split('/')[0]!);
  }
  return found;
}
