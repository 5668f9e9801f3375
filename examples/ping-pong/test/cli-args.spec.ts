import { expect } from 'chai';
import { parseCliArgs } from '@rxmsg-examples/ping-pong';

describe('parseCliArgs', () => {
  it('parses the server command', () => {
    expect(parseCliArgs(['server', '--listen', 'tcp://127.0.0.1:4000'])).to.deep.equal({
      ok: true,
      value: { command: 'server', listen: 'tcp://127.0.0.1:4000' },
    });
  });

  it('parses the server command with the web page, with or without a TCP listener', () => {
    expect(parseCliArgs(['server', '--listen', 'tcp://127.0.0.1:4000', '--web', 'http://127.0.0.1:8080'])).to.deep.equal({
      ok: true,
      value: { command: 'server', listen: 'tcp://127.0.0.1:4000', web: 'http://127.0.0.1:8080' },
    });
    expect(parseCliArgs(['server', '--web', 'http://0.0.0.0:0'])).to.deep.equal({ ok: true, value: { command: 'server', web: 'http://0.0.0.0:0' } });
  });

  it('parses the client command with defaults and with every option', () => {
    expect(parseCliArgs(['client', '--connect', 'tcp://127.0.0.1:4000'])).to.deep.equal({
      ok: true,
      value: { command: 'client', connect: 'tcp://127.0.0.1:4000', matches: 1, concurrency: 1, seed: undefined, scoreLimit: undefined },
    });
    expect(
      parseCliArgs(['client', '--connect', 'unix:/tmp/pp.sock', '--matches', '8', '--concurrency', '4', '--seed', '7', '--score-limit', '5']),
    ).to.deep.equal({
      ok: true,
      value: { command: 'client', connect: 'unix:/tmp/pp.sock', matches: 8, concurrency: 4, seed: 7, scoreLimit: 5 },
    });
  });

  it('takes soe:// addresses (reliable UDP) for the server and the client', () => {
    expect(parseCliArgs(['server', '--listen', 'soe://127.0.0.1:4000'])).to.deep.equal({ ok: true, value: { command: 'server', listen: 'soe://127.0.0.1:4000' } });
    expect(parseCliArgs(['client', '--connect', 'soe://127.0.0.1:4000/PingPong'])).to.deep.include({ ok: true });
  });

  it('recognises --help', () => expect(parseCliArgs(['--help'])).to.deep.equal({ ok: true, value: { command: 'help' } }));

  const errors: [string, string[], RegExp][] = [
    ['no command', [], /missing command/],
    ['an unknown command', ['referee'], /unknown command/],
    ['an unknown option', ['client', '--connect', 'tcp://a:1', '--fast'], /--fast/],
    ['a missing address', ['server'], /--listen <addr> is required/],
    ['a bad address', ['client', '--connect', 'http://x'], /--connect/],
    ['a non-numeric count', ['client', '--connect', 'tcp://127.0.0.1:1', '--matches', 'many'], /--matches must be a number/],
    ['a zero concurrency', ['client', '--connect', 'tcp://127.0.0.1:1', '--concurrency', '0'], /--concurrency must be at least 1/],
    ['a negative seed', ['client', '--connect', 'tcp://127.0.0.1:1', '--seed', '-1'], /--seed/],
    ['a client option on the server', ['server', '--listen', 'tcp://127.0.0.1:1', '--matches', '2'], /client option/],
    ['a server option on the client', ['client', '--connect', 'tcp://127.0.0.1:1', '--web', 'http://127.0.0.1:1'], /--web is a server option/],
    ['a web address that is not http', ['server', '--web', 'tcp://127.0.0.1:8080'], /--web: .*expected http:\/\/host:port/],
    ['a web address with a path', ['server', '--web', 'http://127.0.0.1:8080/app'], /--web: .*no path/],
    ['an extra argument', ['client', 'extra', '--connect', 'tcp://127.0.0.1:1'], /unexpected argument/],
  ];
  for (const [name, argv, message] of errors) {
    it(`reports ${name}`, () => {
      const result = parseCliArgs(argv);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.error).to.match(message);
    });
  }
});
