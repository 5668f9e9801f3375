import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DisconnectReason, type SoeSessionParams } from '@rxmsg/soe';
import { encodeSoeDatagram, type SoePacket } from '@rxmsg/soe/internal';
import { hex } from './hex';

const SESSION: SoeSessionParams = { crcSeed: 0xaabbccdd, crcLength: 2, compression: false };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The transcripts of docs/soe.md, built with the encoder. */
const TRANSCRIPTS: Record<string, Array<[SoePacket, SoeSessionParams | undefined]>> = {
  handshake: [
    [{ kind: 'session-request', protocolVersion: 3, sessionId: 0x0a0b0c0d, udpLength: 512, applicationProtocol: 'hello' }, undefined],
    [{ kind: 'session-response', sessionId: 0x0a0b0c0d, crcSeed: 0xaabbccdd, crcLength: 2, compression: false, udpLength: 512, protocolVersion: 3 }, undefined],
  ],
  fragmented: [
    [{ kind: 'reliable-data-fragment', sequence: 0, totalLength: 12, data: text('Hello,') }, SESSION],
    [{ kind: 'reliable-data-fragment', sequence: 1, data: text(' world') }, SESSION],
  ],
  ack: [[{ kind: 'acknowledge', sequence: 1 }, SESSION]],
  disconnect: [[{ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.Application }, SESSION]],
};

describe('docs/soe.md transcripts', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'soe.md'), 'utf8');
  for (const [name, packets] of Object.entries(TRANSCRIPTS)) {
    it(`the ${name} transcript is what the encoder writes`, () => {
      const m = new RegExp(`<!-- transcript: ${name} -->\\s*\`\`\`text\\n([\\s\\S]*?)\`\`\``).exec(doc);
      expect(m, name).to.not.equal(null);
      const lines = (m?.[1] ?? '').split('\n').filter((l) => /^[<>] /.test(l)).map((l) => l.slice(2).split('  ')[0]?.trim());
      expect(lines).to.deep.equal(packets.map(([p, s]) => hex(encodeSoeDatagram(p, s))));
    });
  }
});
