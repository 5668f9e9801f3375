import { defineProtocol } from '@rxmsg/node';
import { z } from 'zod';

// The messages of every workload: the client sends Ping, the server answers Pong with the same n.
const client = { Ping: z.object({ n: z.number().int().min(0) }) };
const server = { Pong: z.object({ n: z.number().int().min(0) }) };

/** The bench protocol as JSON lines (`{"kind":"Ping","n":0}\n`). */
export const TextBenchProtocol = defineProtocol({ name: 'bench', tag: 'kind', codec: 'text', client, server });

/** The bench protocol as length-prefixed MessagePack. */
export const BinaryBenchProtocol = defineProtocol({ name: 'bench', tag: 'kind', codec: 'binary', client, server });

/** Either; both have the same message types. */
export type BenchProtocol = typeof TextBenchProtocol;
