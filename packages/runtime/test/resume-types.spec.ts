import { expect } from 'chai';
import { z } from 'zod';
import { defineProtocol, type ResumeOptions } from '@rxmsg/core';
import { createClient, memoryTransport, type ClientEvent, type ServerEvent } from '@rxmsg/runtime';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles. Each test also asserts something at run time.

const P = defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) } });

describe('resume option and events (types)', () => {
  it('needs both bounds, numbers only', () => {
    const ok: ResumeOptions = { bufferBytes: 65_536, windowMs: 10_000 };
    // @ts-expect-error windowMs is required
    const noWindow: ResumeOptions = { bufferBytes: 65_536 };
    // @ts-expect-error bufferBytes is a number
    const text: ResumeOptions = { bufferBytes: '64k', windowMs: 1 };
    expect([ok, noWindow, text]).to.have.length(3);
  });

  it('is an option of the factories, not of the config', () => {
    const memory = memoryTransport();
    const make = () =>
      createClient({
        connect: 'memory://types:1',
        transports: [memory],
        protocol: P,
        // @ts-expect-error resume is a factory option
        config: { resume: { bufferBytes: 65_536, windowMs: 1 } },
      });
    expect(make).to.throw();
  });

  it('narrows the resume events by type', () => {
    const reason = (e: ClientEvent): string | undefined => (e.type === 'resume-refused' ? e.reason : undefined);
    const peer = (e: ServerEvent): number | undefined => (e.type === 'resumed' || e.type === 'link-lost' ? e.peerId : undefined);
    expect(reason({ type: 'resume-refused', peerId: 1, reason: 'expired', error: new Error('x') as never })).to.equal('expired');
    expect(peer({ type: 'link-lost', peerId: 3 })).to.equal(3);
  });
});
