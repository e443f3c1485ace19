// The LXC host side: lxc-* tools run with argv arrays (never a shell), container configs, rootfs layouts.
// Must never run a shell string, delete host volume data, or destroy a running container.

export { runLxc, describeRun, type RunLxcOptions, type LxcOutput } from './run-lxc.js';
export { listContainers, parseLxcLs, LXC_LS_FIELDS, type ListedContainer } from './list-containers.js';
export {
  parseManagedBlock,
  parseLockerBlock,
  renderConfig,
  renderBlock,
  renderMountEntry,
  hostLabel,
  BLOCK_BEGIN,
  BLOCK_END,
  type LockerBlock,
  type BlockMount,
} from './config-block.js';
export { parseRootfs, parseSnapshotOrigin, rootfsLayers, type Rootfs } from './rootfs.js';
export { containerDir, configPath, hookPath, fqdnDataPath, startLogPath } from './container-paths.js';
export { readConfig, writeConfig } from './config-file.js';
export { containerExists, containerState, type ContainerPresence } from './container-state.js';
export { createContainer } from './create.js';
export { creationState, isLxcCreateOf, waitForCreation, partialMarkerPath, type CreationState } from './creation-marker.js';
export { cloneContainer } from './clone.js';
export { startContainer } from './start.js';
export { stopContainer, DEFAULT_STOP_TIMEOUT_S, type StopOutcome } from './stop.js';
export { destroyContainer } from './destroy.js';
export { freezeContainer, unfreezeContainer } from './freeze.js';
export { waitIpv4, waitForAddresses, type WaitIpv4Options } from './wait-ipv4.js';
export { defaultLxcPath } from './lxc-path.js';
export { lxcNetDhcpRunning, firstNetworkLink, LXC_NET_BRIDGE, type LxcNetPaths } from './bridge-dhcp.js';
export { linksHookPath, linksDataPath, forwardHookPath, forwardDataPath } from './container-paths.js';
export { claimListPath, readClaimList, writeClaimList, type ClaimRef } from './claim-list.js';
export { ADDRESS_DIR, claimAddress, readClaims, readLiveClaims, releaseClaims, parseClaim, renderClaim, type AddressClaim, type ClaimOutcome } from './address-claims.js';
export { LEASE_FILE, parseLeases, parseDnsmasqArgs, findDhcpServers, knownDhcpServers, readLeases, dhcpOf, releaseLease, giveBackAddresses, type DhcpLease, type DhcpServer } from './dhcp-leases.js';
export { listBridges, parseBridges, networkStackId, type HostBridge } from './bridges.js';
export { parseConfiguredInterface, type ConfiguredInterface } from './net-config.js';
export { LINKS_HOOK_FILE, type BlockNetwork } from './config-block.js';
export { LINKS_BEGIN, LINKS_END, renderLinkLines, normaliseLinkLines, parseLinksBlock } from './hosts-block.js';
export { attachShell, attachShellArgv, PROVISION_COMMAND_TIMEOUT_MS, type ShellEnd } from './attach-shell.js';
export { waitForNetwork, hasDefaultRoute4, hasDefaultRoute6 } from './wait-network.js';
export { readCgroup1Controllers, readCgroup2Controllers, setCgroupLive, readCgroupLive } from './cgroup2.js';
export { attachCommand } from './attach.js';
export { parseIdmap, renderIdmap, slotOf, slotBase, pickSlot, subordinateChange, RANGE_SIZE, SUBORDINATE_LINE, LOCKER_IDS_FIRST, type ConfigIdmap } from './idmap.js';
export { claimRange, joinRange, releaseRange, releaseRangesOf, rangeHolders, ensureSubordinateRanges, RANGES_DIR, SUBORDINATE_FILES, type RangeHolder } from './idmap-ranges.js';
export { assertTraversableByOthers } from './traversable.js';
export { DNS_BEGIN, DNS_END, parseDnsBlock, renderResolvConf } from './resolv-block.js';
export { readHostNameservers, readContainerResolv, writeContainerResolv, HOST_RESOLV_CONF, type HostNameservers } from './resolv-conf.js';
