import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeclarationReflection, LogLevel, ProjectReflection } from 'typedoc';

const root = join(__dirname, '..');

/**
 * The entry points a user starts from, by the package that defines them: each carries an `@example`
 * in the reference. (A name re-exported elsewhere, e.g. by `@rxmsg/node`, is checked where defined.)
 */
const ENTRY_POINTS: Readonly<Record<string, readonly string[]>> = {
  '@rxmsg/core': ['defineProtocol', 'validatesOutbound', 'binaryCodec', 'textCodec', 'parseAddress', 'retryBackoff'],
  '@rxmsg/tcp': ['tcpTransport', 'tlsTransport', 'streamSocketTransport'],
  '@rxmsg/ws': ['wsTransport', 'browserWsTransport'],
  '@rxmsg/shm': ['sharedMemoryTransport', 'createSharedMemoryLink'],
  '@rxmsg/soe': ['soeTransport', 'createSoeServer'],
  '@rxmsg/runtime': [
    'createServer',
    'createClient',
    'createCompositeServer',
    'createCompositeClient',
    'createQueueServer',
    'serverStage',
    'clientStage',
    'memoryTransport',
    'createRooms',
    'rpc',
    'createSessionHost',
    'openHandle',
  ],
  '@rxmsg/node': ['createServer', 'createClient', 'createCompositeServer', 'createCompositeClient', 'createQueueServer', 'queueHandle'],
  '@rxmsg/cluster': ['runCluster', 'startCluster', 'clusterWorker'],
  '@rxmsg/redis': ['redisRoomAdapter'],
  '@rxmsg/cli': ['adminEndpoint'],
  '@rxmsg/metrics': ['serverMetrics'],
  '@rxmsg/testing': ['memoryPair', 'faultyTransport', 'virtualClock'],
};

/** Whether the reflection's comment, or one of its signatures' comments, has an `@example` block. */
function hasExample(reflection: DeclarationReflection): boolean {
  const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
  return comments.some((c) => c?.blockTags.some((t) => t.tag === '@example') === true);
}

function moduleNamed(project: ProjectReflection, name: string): DeclarationReflection | undefined {
  return project.children?.find((m) => m.name === name);
}

describe('API reference (TypeDoc)', () => {
  let out: string | undefined;
  afterEach(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
    out = undefined;
  });

  it('builds from typedoc.json with no warning or error, and every entry point has an @example', async function () {
    // One TypeScript program over every public entry, then HTML: 15-60 s on a busy 2-core machine.
    this.timeout(240_000);
    const td = await import('typedoc');
    const messages: string[] = [];
    // Collects what TypeDoc reports (it still counts warnings and errors), printing nothing.
    class CollectingLogger extends td.Logger {
      override log(message: string, level: Exclude<LogLevel, LogLevel.None>): void {
        super.log(message, level);
        if (level >= td.LogLevel.Warn) messages.push(`[${td.LogLevel[level]}] ${message}`);
      }
    }
    out = await mkdtemp(join(tmpdir(), 'rxmsg-api-'));
    // No ArgumentsReader: mocha's argv is not TypeDoc's.
    // skipErrorChecking: `npm test` ran `tsc -b`, the type gate, already; this saves a third of the time.
    const app = await td.Application.bootstrapWithPlugins({ options: join(root, 'typedoc.json'), out, logLevel: 'Warn', skipErrorChecking: true }, [
      new td.TypeDocReader(),
      new td.TSConfigReader(),
    ]);
    expect(app.logger.errorCount + app.logger.warningCount, 'options and plugins load cleanly').to.equal(0);
    app.logger = new CollectingLogger();
    expect(app.options.getValue('treatWarningsAsErrors'), 'typedoc.json enforces zero warnings').to.equal(true);

    const project = await app.convert();
    expect(project, messages.join('\n')).to.not.equal(undefined);
    app.validate(project!);
    await app.generateOutputs(project!);
    expect(messages).to.deep.equal([]);

    const missing: string[] = [];
    for (const [pkg, names] of Object.entries(ENTRY_POINTS)) {
      const mod = moduleNamed(project!, pkg);
      expect(mod, `module ${pkg} in the reference`).to.not.equal(undefined);
      for (const name of names) {
        const reflection = mod!.getChildByName(name);
        if (!(reflection instanceof td.DeclarationReflection) || !hasExample(reflection)) missing.push(`${pkg}: ${name}`);
      }
    }
    expect(missing, 'entry points without an @example').to.deep.equal([]);
    // Every public entry became a module named after its import specifier (browser entry included).
    expect(moduleNamed(project!, '@rxmsg/ws/browser')).to.not.equal(undefined);
    expect(await readdir(out)).to.include('index.html');
  });
});
