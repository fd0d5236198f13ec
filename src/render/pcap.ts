// Classic libpcap files (what `tcpdump -w` writes): a 24-byte global header
// then a 16-byte header per record. Written as tcpdump on x86 writes them:
// magic a1b2c3d4 little-endian (microsecond timestamps), version 2.4,
// thiszone 0, sigfigs 0, snaplen 262144. The reader also accepts big-endian
// and nanosecond (a1b23c4d) files. Pure: bytes in, bytes out; the CLI does I/O.

export const LINKTYPE = { EN10MB: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;
export type PcapLinkTypeName = keyof typeof LINKTYPE;

export const PCAP_SNAPLEN = 262144;
const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

export interface PcapRecord {
  /** Microseconds since the epoch. */
  readonly tsMicros: bigint;
  /** The captured bytes (incl_len of them). */
  readonly data: Uint8Array;
  /** orig_len: the length on the wire. */
  readonly wireLength: number;
}

export interface PcapFile {
  readonly linkType: number;
  readonly snaplen: number;
  readonly records: readonly PcapRecord[];
}

export interface PcapPacket {
  readonly tsMicros: bigint | number;
  readonly data: Uint8Array;
  readonly wireLength?: number;
}

/** Writes a whole capture; frames longer than the snapshot length are cut, as libpcap does. */
export function writePcap(linkType: PcapLinkTypeName | number, packets: Iterable<PcapPacket>, snaplen = PCAP_SNAPLEN): Buffer {
  const chunks: Buffer[] = [pcapHeader(linkType, snaplen)];
  for (const p of packets) chunks.push(pcapRecord(p, snaplen));
  return Buffer.concat(chunks);
}

export function pcapHeader(linkType: PcapLinkTypeName | number, snaplen = PCAP_SNAPLEN): Buffer {
  const header = Buffer.alloc(GLOBAL_HEADER_LEN);
  header.writeUInt32LE(MAGIC_MICRO, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8);
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(typeof linkType === "number" ? linkType : LINKTYPE[linkType], 20);
  return header;
}

/** One record (header + bytes), for callers that stream a capture. */
export function pcapRecord(packet: PcapPacket, snaplen = PCAP_SNAPLEN): Buffer {
  const ts = BigInt(packet.tsMicros);
  const captured = packet.data.subarray(0, snaplen);
  const record = Buffer.alloc(RECORD_HEADER_LEN + captured.length);
  record.writeUInt32LE(Number(ts / 1_000_000n), 0);
  record.writeUInt32LE(Number(ts % 1_000_000n), 4);
  record.writeUInt32LE(captured.length, 8);
  record.writeUInt32LE(packet.wireLength ?? packet.data.length, 12);
  record.set(captured, RECORD_HEADER_LEN);
  return record;
}

export class PcapFormatError extends Error {}

/** Reads a classic pcap file. Throws PcapFormatError on a bad magic or a cut record. */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < GLOBAL_HEADER_LEN) throw new PcapFormatError("file too short for a pcap header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLE = view.getUint32(0, true);
  const magicBE = view.getUint32(0, false);
  const little = magicLE === MAGIC_MICRO || magicLE === MAGIC_NANO;
  if (!little && magicBE !== MAGIC_MICRO && magicBE !== MAGIC_NANO) {
    throw new PcapFormatError(`not a classic pcap file (magic 0x${magicBE.toString(16).padStart(8, "0")})`);
  }
  const nano = (little ? magicLE : magicBE) === MAGIC_NANO;
  const u32 = (at: number) => view.getUint32(at, little);
  const records: PcapRecord[] = [];
  for (let at = GLOBAL_HEADER_LEN; at < bytes.length; ) {
    if (at + RECORD_HEADER_LEN > bytes.length) throw new PcapFormatError(`record header cut short at byte ${at}`);
    const inclLen = u32(at + 8);
    const start = at + RECORD_HEADER_LEN;
    if (start + inclLen > bytes.length) throw new PcapFormatError(`record data cut short at byte ${start}`);
    const frac = BigInt(u32(at + 4));
    const tsMicros = BigInt(u32(at)) * 1_000_000n + (nano ? frac / 1000n : frac);
    // A plain Uint8Array copy, even when handed a Buffer (whose slice() would share memory).
    records.push({ tsMicros, data: new Uint8Array(bytes.subarray(start, start + inclLen)), wireLength: u32(at + 12) });
    at = start + inclLen;
  }
  return { linkType: u32(20), snaplen: u32(16), records };
}
