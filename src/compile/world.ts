// The simulator's view of a compiled cluster: namespaces by id (compiled on
// first use) and the underlay segment, indexed from the description without
// compiling any node.

import { contains, type Ip4, type Mac } from "../model/addr.js";
import type { Netns, World } from "../model/kernel.js";
import type { CompiledCluster } from "./compiled-cluster.js";
import { stableMac } from "../load/resolve-nodes.js";

interface Host {
  netns: string;
  dev: string;
  mac: Mac;
}

export class ClusterWorld implements World {
  private byIp: Map<Ip4, Host> | undefined;
  private byMac: Map<Mac, Host> | undefined;

  constructor(readonly compiled: CompiledCluster) {}

  netns(id: string): Netns | undefined {
    return this.compiled.netns(id);
  }

  private index(): void {
    const c = this.compiled.cluster;
    this.byIp = new Map();
    this.byMac = new Map();
    for (const n of c.nodes) {
      const host = { netns: n.name, dev: n.interface, mac: n.mac };
      this.byIp.set(n.ip, host);
      this.byMac.set(n.mac, host);
    }
    for (const e of c.externals) {
      const host = { netns: e.name, dev: e.interface, mac: e.mac };
      this.byIp.set(e.ip, host);
      this.byMac.set(e.mac, host);
    }
  }

  underlayHost(ip: Ip4): Host | undefined {
    if (!this.byIp) this.index();
    return this.byIp!.get(ip);
  }

  underlayHostByMac(mac: Mac): Host | undefined {
    if (!this.byMac) this.index();
    return this.byMac!.get(mac);
  }

  underlayHosts(): Host[] {
    if (!this.byMac) this.index();
    return [...this.byMac!.values()];
  }

  underlayGateway(): { ip: Ip4; mac: Mac } | undefined {
    const gw = this.compiled.cluster.underlay.gateway;
    return gw === null ? undefined : { ip: gw, mac: gatewayMac(this.compiled.cluster.name) };
  }

  leaseOwner(ip: Ip4): Ip4 | undefined {
    return this.compiled.cluster.nodes.find((n) => contains(n.podSubnet, ip))?.ip;
  }
}

export function gatewayMac(cluster: string): Mac {
  return stableMac("52:54:00", `gateway/${cluster}`);
}
