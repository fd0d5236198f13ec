// The simulated clock. Every timestamp the tool prints (iptables-save banners,
// tcpdump lines, pcap records) derives from this instant plus simulated time,
// never from the wall clock, so output is byte-identical run to run.

/** 2023-11-14 22:13:20 UTC (Unix time 1700000000), a round instant in the kernel's own units. */
export const SIM_EPOCH_SECONDS = 1_700_000_000;

export function simDate(offsetMicros = 0): Date {
  return new Date(SIM_EPOCH_SECONDS * 1000 + Math.floor(offsetMicros / 1000));
}
