// Name tables the pcap-filter compiler consults. Real libpcap asks the capture
// host (getaddrinfo over /etc/services, getprotobyname over /etc/protocols,
// getnetbyname over /etc/networks); a simulator has no host, so these are fixed
// copies of a Debian bookworm netbase, plus the two RHEL-family service names
// Kubernetes overlays use (otv 8472, vxlan 4789; see reference B8).

/** /etc/services lines as netbase writes them: `port/proto name [aliases...]`. */
const SERVICES = `7/tcp echo|7/udp echo|9/tcp discard sink null|9/udp discard sink null|13/tcp daytime
|13/udp daytime|20/tcp ftp-data|21/tcp ftp|22/tcp ssh|23/tcp telnet|25/tcp smtp mail
|37/tcp time timserver|37/udp time timserver|43/tcp whois nicname|49/tcp tacacs|49/udp tacacs
|53/tcp domain|53/udp domain|67/udp bootps|68/udp bootpc|69/udp tftp|70/tcp gopher|79/tcp finger
|80/tcp http www|88/tcp kerberos kerberos5 krb5 kerberos-sec|88/udp kerberos kerberos5 krb5 kerberos-sec
|110/tcp pop3 pop-3|111/tcp sunrpc portmapper|111/udp sunrpc portmapper
|113/tcp auth authentication tap ident|119/tcp nntp readnews untp|123/udp ntp|137/udp netbios-ns
|138/udp netbios-dgm|139/tcp netbios-ssn|143/tcp imap2 imap|161/tcp snmp|161/udp snmp
|162/tcp snmp-trap snmptrap|162/udp snmp-trap snmptrap|179/tcp bgp|389/tcp ldap|389/udp ldap
|443/tcp https|443/udp https|445/tcp microsoft-ds|500/udp isakmp|514/tcp shell cmd syslog
|514/udp syslog|587/tcp submission|636/tcp ldaps|636/udp ldaps|873/tcp rsync|993/tcp imaps
|995/tcp pop3s|1080/tcp socks|1194/tcp openvpn|1194/udp openvpn|1433/tcp ms-sql-s|1812/tcp radius
|1812/udp radius|1813/tcp radius-acct radacct|1813/udp radius-acct radacct|2049/tcp nfs|2049/udp nfs
|3306/tcp mysql|3389/tcp ms-wbt-server|4500/udp ipsec-nat-t|5060/tcp sip|5060/udp sip|5353/udp mdns
|5432/tcp postgresql postgres|5672/tcp amqp|6000/tcp x11 x11-0|6379/tcp redis
|8080/tcp http-alt webcache|9418/tcp git|10000/tcp webmin
|4789/udp vxlan|8472/tcp otv|8472/udp otv`
  .split("|")
  .map((line) => {
    const [portProto, ...names] = line.trim().split(" ");
    const [port, proto] = portProto!.split("/");
    return { port: Number(port), proto: proto as "tcp" | "udp", names };
  });

/** The host-independent part of `/etc/services`, exported for printers that name ports. */
export const SERVICE_NAMES: ReadonlyArray<{ port: number; proto: "tcp" | "udp"; names: string[] }> = SERVICES;

export type PortProto = "tcp" | "udp" | "any";

/**
 * libpcap pcap_nametoport(): look the name up once as a TCP and once as a UDP
 * service; both with the same number means "any" (TCP, UDP and SCTP are then
 * all checked). Numeric strings are accepted like getaddrinfo() does, which
 * truncates them to 16 bits (so `portrange http-70000` silently means 80-4464).
 */
export function lookupService(name: string): { port: number; proto: PortProto } | undefined {
  if (/^[0-9]+$/.test(name)) {
    const n = BigInt(name);
    return { port: n > 0xffffffffffffffffn ? 0xffff : Number(n & 0xffffn), proto: "any" };
  }
  const find = (proto: string) => SERVICES.find((s) => s.proto === proto && s.names.includes(name))?.port;
  const tcp = find("tcp");
  const udp = find("udp");
  if (tcp !== undefined) return { port: tcp, proto: udp === tcp ? "any" : "tcp" };
  if (udp !== undefined) return { port: udp, proto: "udp" };
  return undefined;
}

/** /etc/protocols (name, number, aliases) for `ip proto \name`. */
const PROTOCOLS = `ip 0 IP|hopopt 0 HOPOPT|icmp 1 ICMP|igmp 2 IGMP|ggp 3 GGP|ipencap 4 IP-ENCAP|st 5 ST
|tcp 6 TCP|egp 8 EGP|igp 9 IGP|pup 12 PUP|udp 17 UDP|hmp 20 HMP|xns-idp 22 XNS-IDP|rdp 27 RDP
|iso-tp4 29 ISO-TP4|dccp 33 DCCP|xtp 36 XTP|ddp 37 DDP|idpr-cmtp 38 IDPR-CMTP|ipv6 41 IPv6
|ipv6-route 43 IPv6-Route|ipv6-frag 44 IPv6-Frag|idrp 45 IDRP|rsvp 46 RSVP|gre 47 GRE
|esp 50 IPSEC-ESP|ah 51 IPSEC-AH|skip 57 SKIP|ipv6-icmp 58 IPv6-ICMP|ipv6-nonxt 59 IPv6-NoNxt
|ipv6-opts 60 IPv6-Opts|rspf 73 RSPF CPHB|vmtp 81 VMTP|eigrp 88 EIGRP|ospf 89 OSPFIGP|ax.25 93 AX.25
|ipip 94 IPIP|etherip 97 ETHERIP|encap 98 ENCAP|pim 103 PIM|ipcomp 108 IPCOMP|vrrp 112 VRRP
|l2tp 115 L2TP|isis 124 ISIS|sctp 132 SCTP|fc 133 FC|mobility-header 135 Mobility-Header
|udplite 136 UDPLite|mpls-in-ip 137 MPLS-in-IP|manet 138|hip 139 HIP|shim6 140 Shim6|wesp 141 WESP
|rohc 142 ROHC|ethernet 143 Ethernet|mptcp 262 MPTCP`
  .split("|")
  .map((line) => {
    const [name, num, ...aliases] = line.trim().split(" ");
    return { num: Number(num), names: [name!, ...aliases] };
  });

export function lookupIpProto(name: string): number | undefined {
  return PROTOCOLS.find((p) => p.names.includes(name))?.num;
}

/** libpcap's own ethertype names (nametoaddr.c eproto_db), then its LLC SAP names. */
const ETHER_PROTOS: Record<string, number> = {
  aarp: 0x80f3, arp: 0x0806, atalk: 0x809b, decnet: 0x6003, ip: 0x0800, ip6: 0x86dd, lat: 0x6004,
  loopback: 0x9000, mopdl: 0x6001, moprc: 0x6002, rarp: 0x8035, sca: 0x6007,
  iso: 0xfe, stp: 0x42, ipx: 0xe0, netbeui: 0xf0,
};

export function lookupEtherProto(name: string): number | undefined {
  return Object.hasOwn(ETHER_PROTOS, name) ? ETHER_PROTOS[name] : undefined;
}

/** getnetbyname() over netbase's /etc/networks; `default` is 0, which libpcap treats as unknown. */
export function lookupNetwork(name: string): number | undefined {
  if (name === "loopback") return 0x7f000000;
  if (name === "link-local") return 0xa9fe0000;
  return undefined;
}
