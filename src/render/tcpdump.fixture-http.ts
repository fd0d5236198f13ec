// TCP scenarios for the real-tcpdump oracle test: an nginx HTTP exchange with
// handshake and teardown, the DNAT relative-sequence anomaly, RST, SSH, DNS
// over TCP, and the checksum-offload view. Built with our encoders.

import { encodeDns } from "../packet/dns.js";
import { linuxOptions } from "../packet/tcp.js";
import type { TcpSegment } from "../packet/tcp.js";
import {
  BASE_TS, DNS_SVC, MAC, POD_A, POD_B, type Scenario, WEB_SVC, eth, ipv4, tcp, timed,
} from "./tcpdump.fixture.js";

const text = (s: string) => new TextEncoder().encode(s);

export const HTTP_GET = text("GET / HTTP/1.1\r\nHost: nginx.default.svc\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
const BODY = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n";
export const HTTP_200 = text(
  "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nContent-Type: text/html\r\n"
  + `Content-Length: ${BODY.length}\r\nLast-Modified: Tue, 24 Oct 2023 13:46:47 GMT\r\nConnection: keep-alive\r\n`
  + 'ETag: "6537cac7-267"\r\nAccept-Ranges: bytes\r\n\r\n' + BODY,
);
const HTTP_404 = text("HTTP/1.1 404 Not Found\r\nServer: nginx/1.25.3\r\nContent-Length: 9\r\n\r\nnot found");

interface Flow {
  readonly client: number;
  readonly server: number;
  /** Where the client's packets are addressed (a ClusterIP before DNAT). */
  readonly clientSees?: number;
  /** Where the server's replies seem to come from on this capture point. */
  readonly replyFrom?: number;
  readonly sport: number;
  readonly dport: number;
}

/**
 * A Linux client/server exchange: handshake, request, ACK, response, ACK,
 * FIN from the client, FIN from the server, last ACK. Returns the frames.
 */
function session(f: Flow, request: Uint8Array, response: Uint8Array, checksum?: TcpSegment["checksum"]): Uint8Array[] {
  const [cIsn, sIsn] = [1676895743, 938218247];
  const ts = (a: number, b: number) => linuxOptions({ timestamps: { value: a, echo: b } });
  const c = (seq: number, ack: number, flags: TcpSegment["flags"], rest: Partial<TcpSegment> = {}, id = 0) =>
    eth(MAC.podA, MAC.cni0, ipv4(f.client, f.clientSees ?? f.server,
      tcp(f.sport, f.dport, cIsn + seq, sIsn + ack, flags, { window: 507, options: ts(2018359566 + id, 1271627848), ...(checksum ? { checksum } : {}), ...rest }),
      { id: 44449 + id }));
  const s = (seq: number, ack: number, flags: TcpSegment["flags"], rest: Partial<TcpSegment> = {}, id = 0) =>
    eth(MAC.cni0, MAC.podA, ipv4(f.replyFrom ?? f.server, f.client,
      tcp(f.dport, f.sport, sIsn + seq, cIsn + ack, flags, { options: ts(1271627848 + id, 2018359566), ...rest }),
      { id: id ? 40977 + id : 0, ttl: 62 }));
  const [q, a] = [request.length, response.length];
  return [
    c(0, -sIsn, { syn: true }, { window: 64860, options: linuxOptions({ mss: 1410, sackPermitted: true, timestamps: { value: 2018359566, echo: 0 }, wscale: 7 }) }),
    s(0, 1, { syn: true, ack: true }, { window: 64308, options: linuxOptions({ mss: 1410, sackPermitted: true, timestamps: { value: 1271627848, echo: 2018359566 }, wscale: 7 }) }),
    c(1, 1, { ack: true }, {}, 1),
    c(1, 1, { ack: true, psh: true }, { payload: request }, 2),
    s(1, 1 + q, { ack: true }, {}, 1),
    s(1, 1 + q, { ack: true, psh: true }, { payload: response }, 2),
    c(1 + q, 1 + a, { ack: true }, { window: 506 }, 3),
    c(1 + q, 1 + a, { ack: true, fin: true }, { window: 506 }, 4),
    s(1 + a, 2 + q, { ack: true, fin: true }, {}, 3),
    c(2 + q, 2 + a, { ack: true }, { window: 506 }, 5),
  ];
}

function miscTcp(): Uint8Array[] {
  const toB = (seg: TcpSegment, id = 1) => eth(MAC.podA, MAC.cni0, ipv4(POD_A, POD_B, seg, { id }));
  const fromB = (seg: TcpSegment) => eth(MAC.cni0, MAC.podA, ipv4(POD_B, POD_A, seg, { id: 0, ttl: 62 }));
  const dnsQuery = encodeDns({ kind: "dns", id: 4660, flags: { rd: true }, questions: [{ name: "nginx.default.svc.cluster.local", type: "A" }] });
  const prefixed = new Uint8Array(2 + dnsQuery.length);
  prefixed.set([dnsQuery.length >> 8, dnsQuery.length & 0xff]);
  prefixed.set(dnsQuery, 2);
  return [
    toB(tcp(56956, 8080, 2521728057, 0, { syn: true }, { window: 64860, options: linuxOptions({ mss: 1410, sackPermitted: true, timestamps: { value: 2280520095, echo: 0 }, wscale: 7 }) })),
    fromB(tcp(8080, 56956, 0, 2521728058, { rst: true, ack: true }, { window: 0 })),
    fromB(tcp(22, 40022, 77, 88, { ack: true, psh: true }, { payload: text("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.4\r\n") })),
    toB(tcp(40022, 22, 88, 77 + 41, { ack: true, psh: true }, { payload: text("SSH-2.0-OpenSSH_9.2p1\r\n") })),
    fromB(tcp(8080, 40080, 5000, 6000, { ack: true, psh: true }, { payload: HTTP_404 })),
    fromB(tcp(8080, 40080, 5000 + HTTP_404.length, 6000, { ack: true, psh: true }, { payload: text("continued body\n") })),
    toB(tcp(40053, 53, 9000, 9100, { ack: true, psh: true }, { payload: prefixed })),
    toB(tcp(40111, 9999, 1, 1, { ack: true }, { options: linuxOptions({ timestamps: { value: 5, echo: 6 }, sackBlocks: [[1001, 2001], [3001, 4001]] }) })),
    toB(tcp(40112, 9999, 7, 0, { syn: true, ece: true, cwr: true }, { options: linuxOptions({ mss: 1460, sackPermitted: true, wscale: 10 }) })),
    toB(tcp(40113, 9999, 1, 1, { ack: true, urg: true, psh: true }, { urgent: 1, payload: text("!") })),
    toB(tcp(40114, 9999, 1, 0, { rst: true }, { payload: text("connection reset by the peer, really, we mean it") })),
    toB(tcp(40115, 9999, 1, 1, {})),
  ];
}

export function httpScenarios(): Scenario[] {
  const direct: Flow = { client: POD_A, server: POD_B, sport: 47474, dport: 80 };
  // cni0 after br_netfilter DNAT: requests already go to the pod, replies are
  // already un-DNATed (B9 in the research notes).
  const dnat: Flow = { client: POD_A, server: POD_B, replyFrom: WEB_SVC, sport: 47474, dport: 80 };
  return [
    { name: "http-session", linkType: "EN10MB", packets: timed(session(direct, HTTP_GET, HTTP_200)) },
    { name: "http-dnat", linkType: "EN10MB", packets: timed(session(dnat, HTTP_GET, HTTP_200)) },
    { name: "tcp-misc", linkType: "EN10MB", packets: timed(miscTcp(), BASE_TS + 10_000_000n) },
    {
      name: "tcp-offload", linkType: "EN10MB", partialChecksums: true,
      packets: timed(session({ client: POD_A, server: DNS_SVC, sport: 45000, dport: 8080 }, HTTP_GET, HTTP_404, "partial")),
    },
  ];
}
