// The iproute2 printers: `ip link`, `ip addr`, `ip route`, `ip neigh`,
// `bridge fdb`, `bridge link`. Pure functions over one namespace's kernel
// state; output is byte for byte what iproute2 6.1 prints on Linux 6.x
// (reference transcripts: test/fixtures/iproute2/, facts: docs/kernel-facts.md).
// A named device that does not exist throws DeviceNotFoundError carrying the
// real tool's stderr and exit status.

export { ipAddr, ipLink, bridgeLink, type IpAddrOptions, type IpLinkOptions } from "./iproute2-link.js";
export { ipRoute, ipNeigh, routesInFibOrder, type IpRouteOptions } from "./iproute2-route.js";
export { bridgeFdb } from "./iproute2-fdb.js";
export { DeviceNotFoundError } from "./kernel-derived.js";
