import { expect } from 'chai';
import {
  AcceptError,
  AddressError,
  CallbackError,
  ClosedError,
  ConfigError,
  ConnectError,
  DecodeError,
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidMessageError,
  ListenerError,
  ListenerSocketError,
  MalformedMessageError,
  ProcessorError,
  ProtocolDefinitionError,
  ReceiveBufferFullError,
  ResumeFrameError,
  ResumeRefusedError,
  RxmsgError,
  SendQueueFullError,
  TimeoutError,
  TlsHandshakeError,
  TransportError,
  UnknownMessageError,
  UpgradeError,
  toRxmsgError,
  type RxmsgErrorCode,
} from '@rxmsg/core';

const cause = new Error('root cause');

/** One instance of every error class, its code and whether it is a decode error. */
const cases: [RxmsgError, string, RxmsgErrorCode, boolean][] = [
  [new ConfigError('a.b', ['a.b: bad'], { cause }), 'ConfigError', 'CONFIG_INVALID', false],
  [new AddressError('tcp://x', 'no port'), 'AddressError', 'ADDRESS_INVALID', false],
  [new ProtocolDefinitionError('dup', { cause }), 'ProtocolDefinitionError', 'PROTOCOL_INVALID', false],
  [new FrameTooLargeError(10, 4), 'FrameTooLargeError', 'FRAME_TOO_LARGE', true],
  [new FrameTruncatedError(3), 'FrameTruncatedError', 'FRAME_TRUNCATED', true],
  [new MalformedMessageError('bad json', { cause }), 'MalformedMessageError', 'MESSAGE_MALFORMED', true],
  [new UnknownMessageError('kind', 'X'), 'UnknownMessageError', 'MESSAGE_UNKNOWN', true],
  [new InvalidMessageError('Join', []), 'InvalidMessageError', 'MESSAGE_INVALID', true],
  [new TransportError('reset', { cause }), 'TransportError', 'TRANSPORT_FAILED', false],
  [new ConnectError('tcp://h:1', 3, { cause }), 'ConnectError', 'CONNECT_FAILED', false],
  [new TimeoutError('flush'), 'TimeoutError', 'TIMEOUT', false],
  [new ClosedError('closed'), 'ClosedError', 'CLOSED', false],
  [new ProcessorError('threw', { cause }), 'ProcessorError', 'PROCESSOR_FAILED', false],
  [new SendQueueFullError(8), 'SendQueueFullError', 'SEND_QUEUE_FULL', false],
  [new CallbackError('initialState', { cause }), 'CallbackError', 'CALLBACK_FAILED', false],
  [new ReceiveBufferFullError(100), 'ReceiveBufferFullError', 'RECEIVE_BUFFER_FULL', false],
  [new AcceptError('emfile', { cause }), 'AcceptError', 'ACCEPT_FAILED', false],
  [new TlsHandshakeError('bad hello', { cause, remoteAddress: 'tls://127.0.0.1:1' }), 'TlsHandshakeError', 'TLS_HANDSHAKE_FAILED', false],
  [new UpgradeError('bad key'), 'UpgradeError', 'UPGRADE_FAILED', false],
  [new ListenerSocketError('failed', { cause }), 'ListenerSocketError', 'LISTENER_FAILED', false],
  [new ResumeRefusedError('expired', undefined, { cause }), 'ResumeRefusedError', 'RESUME_REFUSED', false],
  [new ResumeFrameError('bad type', { cause }), 'ResumeFrameError', 'RESUME_FRAME_INVALID', false],
];

describe('errors', () => {
  describe('every class has a stable code, its name and the right base', () => {
    for (const [error, name, code, decode] of cases) {
      it(name, () => {
        expect(error).to.be.instanceOf(Error).and.instanceOf(RxmsgError);
        expect(error.code).to.equal(code);
        expect(error.name).to.equal(name);
        expect(error.constructor.name).to.equal(name);
        expect(error instanceof DecodeError).to.equal(decode);
        expect(error.message).to.be.a('string').that.is.not.empty;
        expect(error.stack).to.be.a('string');
      });
    }

    it('listener failures share a base and keep the remote address they concern', () => {
      const e = new TlsHandshakeError('bad hello', { cause, remoteAddress: 'tls://127.0.0.1:1' });
      expect(e).to.be.instanceOf(ListenerError);
      expect(e.remoteAddress).to.equal('tls://127.0.0.1:1');
      expect(e.cause).to.equal(cause);
      expect(new UpgradeError('x').remoteAddress).to.equal(undefined);
    });

    it('codes are unique', () => {
      const codes = cases.map(([, , code]) => code);
      expect(new Set(codes).size).to.equal(codes.length);
    });
  });

  it('keeps the cause when wrapping', () => {
    for (const [error] of cases.filter(([e]) => e.cause !== undefined)) expect(error.cause).to.equal(cause);
    expect(new TimeoutError('t').cause).to.equal(undefined);
  });

  describe('carry their details as fields', () => {
    it('ConfigError: field and problems', () => {
      expect(new ConfigError('connectRetry.factor', ['too small', 'also'])).to.deep.include({
        field: 'connectRetry.factor',
        problems: ['too small', 'also'],
      });
    });
    it('AddressError: address', () => expect(new AddressError('tcp://x', 'why')).to.include({ address: 'tcp://x' }));
    it('FrameTooLargeError: size and limit', () => {
      expect(new FrameTooLargeError(0xffffffff, 1024)).to.include({ size: 0xffffffff, limit: 1024 });
    });
    it('FrameTruncatedError: bytes', () => expect(new FrameTruncatedError(7)).to.include({ bytes: 7 }));
    it('ResumeRefusedError: reason', () => expect(new ResumeRefusedError('window-expired')).to.include({ reason: 'window-expired' }));
    it('UnknownMessageError: tag, undefined when missing', () => {
      expect(new UnknownMessageError('kind', 'Nope')).to.include({ tag: 'Nope' });
      expect(new UnknownMessageError('kind', undefined).tag).to.equal(undefined);
    });
    it('InvalidMessageError: message name and issues', () => {
      const issues = [{ path: ['a', 0], code: 'invalid_type', message: 'expected string' }];
      expect(new InvalidMessageError('Join', issues)).to.deep.include({ messageName: 'Join', issues });
    });
    it('ConnectError: attempts', () => expect(new ConnectError('tcp://h:1', 5)).to.include({ attempts: 5 }));
    it('SendQueueFullError: limit', () => expect(new SendQueueFullError(16)).to.include({ limit: 16 }));
  });

  describe('toRxmsgError', () => {
    const wrap = (c: unknown): RxmsgError => new ProcessorError('wrapped', { cause: c });

    it('passes rxmsg errors through unchanged', () => {
      for (const [error] of cases) expect(toRxmsgError(error, wrap)).to.equal(error);
    });

    const foreign: [string, unknown][] = [
      ['an Error', new TypeError('boom')],
      ['a string', 'boom'],
      ['undefined', undefined],
      ['an object that looks like an rxmsg error', { code: 'TIMEOUT', message: 'fake' }],
    ];
    for (const [name, thrown] of foreign) {
      it(`wraps ${name}, keeping it as cause`, () => {
        const error = toRxmsgError(thrown, wrap);
        expect(error).to.be.instanceOf(ProcessorError).and.include({ code: 'PROCESSOR_FAILED' });
        expect(error.cause).to.equal(thrown);
      });
    }
  });
});
