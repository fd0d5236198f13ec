// The Cluster: what the user described, with every default applied and every
// address allocated. Later stages never look at raw YAML; they read this.

import type { Cidr, Ip4, Mac } from "./addr.js";
import type { Location } from "./diagnostics.js";

/** Where an object came from: a path into the description file, resolved to line:col on demand. */
export type SourcePath = readonly (string | number)[];

export interface SourceFile {
  readonly name: string;
  /** Finds the position of a path (a key or a value); cheap to call rarely, may re-scan the file. */
  locate(path: SourcePath, what?: "key" | "value"): Location | undefined;
  lineText(line: number): string | undefined;
}

/** flannel backends, or "none": a single host with no overlay (a plain docker host, minikube). */
export type Backend = "vxlan" | "host-gw" | "udp" | "none";
export type BridgeName = "cni0" | "docker0";
export type ProxyMode = "iptables" | "userspace" | "ipvs";
export type Protocol = "TCP" | "UDP" | "SCTP";

export interface NetworkConfig {
  podCIDR: Cidr;
  serviceCIDR: Cidr;
  nodeSubnetSize: number;
  backend: Backend;
  vxlan: { vni: number; port: number };
  /** Underlay (physical NIC) MTU. */
  mtu: number;
  bridge: BridgeName;
  ipMasq: boolean;
  /** "major.minor" of flanneld, decides its rule layout. */
  flannelVersion: string;
  brNetfilter: boolean;
  hairpin: boolean;
}

export interface KubeProxyConfig {
  mode: ProxyMode;
  /** "major.minor", e.g. "1.28". */
  version: string;
  masqueradeAll: boolean;
  clusterCIDR: Cidr | null;
  randomFully: boolean;
}

export interface DnsConfig {
  domain: string;
  /** `namespace/name` of the DNS Service; null when the cluster has none. */
  service: { namespace: string; name: string } | null;
}

export interface Node {
  name: string;
  ip: Ip4;
  interface: string;
  podSubnet: Cidr;
  mac: Mac;
  /** Position in `nodes:`; also the order the controller allocated subnets in. */
  index: number;
  at: SourcePath;
}

export interface ContainerPort {
  name: string | null;
  containerPort: number;
  protocol: Protocol;
}

export interface Container {
  name: string;
  /** Decides how the simulated application answers (nginx, coredns, ...); optional. */
  image: string | null;
  ports: ContainerPort[];
}

export interface Pod {
  name: string;
  namespace: string;
  node: string;
  ip: Ip4;
  hostNetwork: boolean;
  labels: Record<string, string>;
  containers: Container[];
  index: number;
  at: SourcePath;
}

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";
export type TrafficPolicy = "Cluster" | "Local";

export interface ServicePort {
  /** null for an unnamed (single) port. */
  name: string | null;
  port: number;
  /** A number, or a container port name to look up in each endpoint pod. */
  targetPort: number | string;
  protocol: Protocol;
  nodePort: number | null;
  /** Userspace-mode proxy port when the description pins it; otherwise each node's kube-proxy picks its own. */
  proxyPort: number | null;
  /** Ready endpoints in the order the EndpointSlice lists them (pods in description order). */
  endpoints: Endpoint[];
  at: SourcePath;
}

export interface Endpoint {
  ip: Ip4;
  port: number;
  /** Node the endpoint runs on (decides "local" for Local traffic policies); null if unknown. */
  node: string | null;
  /** The pod behind the endpoint, when it is one of ours. */
  pod: { namespace: string; name: string } | null;
}

export interface Service {
  name: string;
  namespace: string;
  type: ServiceType;
  /** null = headless ("None"). */
  clusterIP: Ip4 | null;
  selector: Record<string, string> | null;
  ports: ServicePort[];
  externalTrafficPolicy: TrafficPolicy;
  internalTrafficPolicy: TrafficPolicy;
  sessionAffinity: "None" | "ClientIP";
  sessionAffinityTimeout: number;
  externalIPs: Ip4[];
  loadBalancerIPs: Ip4[];
  loadBalancerSourceRanges: Cidr[];
  healthCheckNodePort: number | null;
  /** True for objects the description did not list but every real cluster has (default/kubernetes). */
  implicit: boolean;
  index: number;
  at: SourcePath;
}

export interface ExternalHost {
  name: string;
  ip: Ip4;
  interface: string;
  mac: Mac;
  ports: { port: number; protocol: Protocol }[];
  index: number;
  at: SourcePath;
}

export interface Cluster {
  name: string;
  source: SourceFile;
  network: NetworkConfig;
  kubeProxy: KubeProxyConfig;
  dns: DnsConfig;
  underlay: { cidr: Cidr; gateway: Ip4 | null };
  nodes: Node[];
  pods: Pod[];
  services: Service[];
  externals: ExternalHost[];
}
