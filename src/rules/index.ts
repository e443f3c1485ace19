// The rules every layer applies (addresses, ports and their overlap, names, canonical JSON), in one place.
// Pure: data in, answers out; it must never do I/O, throw LockerErrors or know about specs, plans or hosts.

export { bad, ok, type Checked } from './checked.js';
export { IPV4, isIpv4, parseIpv4, ipv4ToInt, intToIpv4, subnetBounds, describeOutsideSubnet, type Ipv4Subnet } from './ipv4.js';
export { ipv6Groups, formatIpv6, parseIpv6, checkForwardableIpv6, isCanonicalIpv6 } from './ipv6.js';
export { isMac, eui64InterfaceId } from './mac.js';
export { splitHostPort, joinHostPort, parseCidr, type HostPort, type Cidr } from './endpoints.js';
export {
  PROTOCOLS,
  PORT_MIN,
  PORT_MAX,
  isProtocol,
  isPortNumber,
  parsePortNumber,
  portsOverlap,
  isForwardHostAddress,
  labelPort,
  type Protocol,
  type PortForward,
  type HostPortOf,
} from './ports.js';
export {
  PROJECT_NAME,
  CONTAINER_NAME,
  HOST_NAME,
  LXC_NAME,
  TEMPLATE_NAME,
  TEMPLATE_ARG,
  BRIDGE_NAME,
  LXC_NAME_MAX,
  NAME_RULE,
  CONTAINER_NAME_RULE,
  HOST_NAME_RULE,
  BRIDGE_NAME_RULE,
  isProjectName,
  isContainerName,
  isHostName,
  lxcNameOf,
  describeLxcNameLength,
} from './names.js';
export { DNS_NAME_RULE, isDnsName, normaliseFqdn } from './dns-names.js';
export { stringifyCanonical, stringifyCanonicalCompact } from './canonical-json.js';
export { DEFAULT_STOP_TIMEOUT_S, MAX_STOP_TIMEOUT_S, STOP_TIMEOUT_RULE, isStopTimeout } from './stop-timeout.js';
export {
  PROVISION_LIMITS,
  ENV_NAME,
  ENV_NAME_RULE,
  describeBadRun,
  describeBadEnvValue,
  labelCommand,
  type ProvisionCommand,
} from './provision.js';
export { EXEC_MAX_ARGS, EXEC_MAX_BYTES, describeBadArgv } from './exec-argv.js';
