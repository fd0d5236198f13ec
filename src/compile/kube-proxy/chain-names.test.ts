import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointChain, hash16, serviceChain } from "./chain-names.js";

// Every verified pair from reference kube-proxy.md §4 (upstream proxier tests and real node dumps).
const VERIFIED: [string, string][] = [
  ["ns1/svc1:p80tcp", "XPGD46QRK7WJZT7O"],
  ["ns1/svc1:p80tcp10.180.0.1:80", "SXIVWICOYRO3J4NJ"],
  ["ns2/svc2:p80tcp", "GNZBNJ2PO5MGZ6GT"],
  ["ns2/svc2:p80tcp10.180.0.2:80", "RS4RBKLTHTF2IUXJ"],
  ["ns3/svc3:p80tcp", "X27LE4BHSL4DOUIK"],
  ["ns4/svc4:p80tcp", "4SW47YFZTEDKD3PK"],
  ["ns4/svc4:p80tcp10.180.0.4:80", "UKSFD7AGPMPPLUHC"],
  ["ns4/svc4:p80tcp10.180.0.5:80", "C6EBXVWJJZMIWKLZ"],
  ["ns5/svc5:p80tcp", "NUKIZ6OKUXPJNT4C"],
  ["ns1/svc1:p80sctp", "GFCIFIA5VTFSTMSM"],
  ["ns1/svc1:p80tcp[ff06::c1]:80", "LIGRYQQLSZN4UWQ5"],
  ["ns1/svc1tcp", "AQI2S6QIMU7PVVRP"],
  ["ns1/svc1tcp10.0.1.1:80", "3JOIVZTXZZRGORX4"],
  ["ns4/svc4:p8082tcp10.4.0.1:8082", "SU5STNODRYEWJAUF"],
  ["default/kubernetes:httpstcp", "NPX46M4PTMTKRN6Y"],
  ["kube-system/kube-dns:dnsudp", "TCOU7JCQXEZGVUNU"],
  ["kube-system/kube-dns:dns-tcptcp", "ERIFXISQEP7F7OF4"],
  ["kube-system/kube-dns:dnsudp10.244.0.3:53", "6E7XQMQ4RAYOWTTM"],
  ["default/nodeport-servicetcp10.244.2.2:8080", "CZUVPU4NP442FRNG"],
  ["default/web-service:tcp", "F5FFDDFGTCKTJ7GQ"],
  ["default/chat-service:tcp192.168.0.31:8080", "R62C6YJOLUCDDAPV"],
  ["default/app2:http-web2tcp", "H77O6A5PM6DG4AKY"],
];

test("hash16 reproduces every chain-name suffix verified against kube-proxy", () => {
  for (const [input, suffix] of VERIFIED) assert.equal(hash16(input), suffix, input);
});

test("service and endpoint chain helpers compose the hashed string as kube-proxy does", () => {
  assert.equal(serviceChain("KUBE-SVC-", "kube-system/kube-dns:dns", "UDP"), "KUBE-SVC-TCOU7JCQXEZGVUNU");
  assert.equal(serviceChain("KUBE-FW-", "ns5/svc5:p80", "tcp"), "KUBE-FW-NUKIZ6OKUXPJNT4C");
  assert.equal(endpointChain("kube-system/kube-dns:dns", "udp", "10.244.0.3:53"), "KUBE-SEP-6E7XQMQ4RAYOWTTM");
  // Seed 003's chains (kube-proxy 1.19, named ports).
  assert.equal(serviceChain("KUBE-SVC-", "hyjx--hyjx-group3/mysql-demo:mysqld-demo", "tcp"), "KUBE-SVC-DM5EMDBLORDRGWLL");
  assert.equal(endpointChain("hyjx--hyjx-group3/mysql-demo:mysqld-demo", "tcp", "10.20.92.11:3306"), "KUBE-SEP-6XCC4VJACKOMSYVV");
  assert.equal(serviceChain("KUBE-SVC-", "hyjx--hyjx-group3/mysql-demo2:mysqld-demo2", "tcp"), "KUBE-SVC-NVNGTMQMPFTQA6YS");
  assert.equal(endpointChain("hyjx--hyjx-group3/mysql-demo2:mysqld-demo2", "tcp", "10.20.92.11:3306"), "KUBE-SEP-7MWHP37XXE3W6QI4");
});
