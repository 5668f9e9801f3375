import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import { MalformedMessageError } from '@rxmsg/core';
import { MAX_NODE_NUMBER, type RoomPacket, type SendToResult } from '@rxmsg/runtime';

/** The first byte of every packet: the encoding's version. A node ignores (counts, reports) other versions. */
export const REDIS_PACKET_VERSION = 1;

/**
 * What crosses Redis between nodes. On the namespace channel: `pub` (a broadcast or room send),
 * `beat` (a heartbeat), `bye` (a node stops), `snap?` (a snapshot request). On a node's own
 * channel: `fwd` (a direct send), `ask` (a direct send that wants an `ack`), `ack`, `snap`.
 * `from` is the sending node's number.
 */
export type RedisPacket =
  | { readonly t: 'pub'; readonly from: number; readonly p: RoomPacket }
  | { readonly t: 'fwd'; readonly from: number; readonly peer: number; readonly m: unknown }
  | { readonly t: 'ask'; readonly from: number; readonly peer: number; readonly m: unknown; readonly id: number }
  | { readonly t: 'ack'; readonly from: number; readonly id: number; readonly r: SendToResult }
  | { readonly t: 'snap?'; readonly from: number; readonly id: number }
  | { readonly t: 'snap'; readonly from: number; readonly id: number; readonly s?: unknown; readonly e?: string }
  | { readonly t: 'beat'; readonly from: number }
  | { readonly t: 'bye'; readonly from: number };

/** A node number a node can have: a packet naming another would take a place in the live-node table. */
const node = z.number().int().min(1).max(MAX_NODE_NUMBER);
const id = z.number().int().positive();
const Schema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('pub'),
    from: node,
    p: z.object({ message: z.unknown(), rooms: z.array(z.string()).optional(), exceptRooms: z.array(z.string()).optional(), except: z.array(z.number()).optional() }),
  }),
  z.object({ t: z.literal('fwd'), from: node, peer: z.number(), m: z.unknown() }),
  z.object({ t: z.literal('ask'), from: node, peer: z.number(), m: z.unknown(), id }),
  z.object({ t: z.literal('ack'), from: node, id, r: z.enum(['delivered', 'dropped', 'skipped', 'forwarded', 'not-found']) }),
  z.object({ t: z.literal('snap?'), from: node, id }),
  z.object({ t: z.literal('snap'), from: node, id, s: z.unknown().optional(), e: z.string().optional() }),
  z.object({ t: z.literal('beat'), from: node }),
  z.object({ t: z.literal('bye'), from: node }),
]);

/**
 * Encode a packet: a version byte, then Node's structured-clone serialisation (`node:v8`, the
 * format of worker and IPC messages), which keeps binary messages (`Uint8Array`) intact.
 * @throws what `v8.serialize` throws for a value it cannot clone (a function, a symbol).
 */
export function encodePacket(packet: RedisPacket): Buffer {
  const body = serialize(packet);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = REDIS_PACKET_VERSION;
  body.copy(out, 1);
  return out;
}

/** The result of {@link decodePacket}: a packet, or why the bytes are not one. */
export type DecodedPacket = { readonly ok: true; readonly packet: RedisPacket } | { readonly ok: false; readonly error: MalformedMessageError };

/** Decode what {@link encodePacket} made; anything else is an error result, never a throw. */
export function decodePacket(bytes: Uint8Array): DecodedPacket {
  if (bytes.length < 2 || bytes[0] !== REDIS_PACKET_VERSION) {
    return { ok: false, error: new MalformedMessageError(`not an rxmsg redis packet (${bytes.length} bytes, version byte ${bytes[0] ?? 'none'})`) };
  }
  let value: unknown;
  try {
    value = deserialize(bytes.subarray(1));
  } catch (cause) {
    return { ok: false, error: new MalformedMessageError('a redis packet that does not deserialize', { cause }) };
  }
  const parsed = Schema.safeParse(value);
  if (!parsed.success) return { ok: false, error: new MalformedMessageError('a redis packet of an unknown shape', { cause: parsed.error }) };
  const v = parsed.data;
  switch (v.t) {
    case 'pub': {
      const { message, rooms, exceptRooms, except } = v.p;
      const p: { message: unknown; rooms?: string[]; exceptRooms?: string[]; except?: number[] } = { message };
      if (rooms !== undefined) p.rooms = rooms;
      if (exceptRooms !== undefined) p.exceptRooms = exceptRooms;
      if (except !== undefined) p.except = except;
      return { ok: true, packet: { t: 'pub', from: v.from, p } };
    }
    case 'fwd':
      return { ok: true, packet: { t: 'fwd', from: v.from, peer: v.peer, m: v.m } };
    case 'ask':
      return { ok: true, packet: { t: 'ask', from: v.from, peer: v.peer, m: v.m, id: v.id } };
    case 'snap':
      return { ok: true, packet: v.e === undefined ? { t: 'snap', from: v.from, id: v.id, s: v.s } : { t: 'snap', from: v.from, id: v.id, e: v.e } };
    default:
      return { ok: true, packet: v };
  }
}
