import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../src/index.js';
import { ini, tempDir } from './helpers.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the defaults for an empty file', () => {
    using dir = tempDir({ 'a.conf': '' });
    const config = loadConfig(dir.file('a.conf'));
    expect(config.worker).toEqual(DEFAULTS.worker);
    expect(config.partitions).toEqual({ policy: 'manual', ids: [] });
    expect(config.queuey.connection).toEqual(['http://127.0.0.1:5000/v1/queuey/']);
    expect(config.zookeeper).toEqual({ connection: '127.0.0.1:2181/mozilla-qdo', partyWait: 10 });
  });

  it('reads [dashboard] port, host and allowed_hosts (the worker serves the dashboard); off by default', () => {
    using dir = tempDir({
      'a.conf':
        '[dashboard]\nport = 8080\nhost = 0.0.0.0\nallowed_hosts = dash.example.test, 10.0.0.5\n',
      'b.conf': '',
      'bad.conf': '[dashboard]\nport = 70000\n',
    });
    expect(loadConfig(dir.file('a.conf')).dashboard).toEqual({
      port: 8080,
      host: '0.0.0.0',
      allowedHosts: ['dash.example.test', '10.0.0.5'],
    });
    expect(loadConfig(dir.file('b.conf')).dashboard).toEqual({
      port: undefined,
      host: '127.0.0.1',
      allowedHosts: [],
    });
    expect(problemsOf(() => loadConfig(dir.file('bad.conf')))).toEqual([
      expect.stringMatching(/bad\.conf:2 \[dashboard\] port: .*70000/),
    ]);
  });

  it('reads the original qdo config file, metlog section included', () => {
    using dir = tempDir({
      'qdo-worker.conf': ini`
[qdo-worker]
wait_interval = 5
job = qdo.testing:example_job

[partitions]
policy = all

[queuey]
connection = http://127.0.0.1:5000/v1/queuey/
app_key = f25bfb8fe200475c8a0532a9cbe7651e

[zookeeper]
connection = 127.0.0.1:2181/mozilla-qdo

[metlog]
logger = qdo-worker
sender_class = metlog.senders.StdOutSender
`,
    });
    const config = loadConfig(dir.file('qdo-worker.conf'), { requireJob: true });
    expect(config.worker.waitInterval).toBe(5);
    expect(config.worker.job).toBe('qdo.testing:example_job');
    expect(config.partitions.policy).toBe('all');
    expect(config.queuey.appKey).toBe('f25bfb8fe200475c8a0532a9cbe7651e');
  });

  it('converts integers, quoted strings, booleans, key: value and comments', () => {
    using dir = tempDir({
      'a.conf': ini`
# a comment
; another
[qdo-worker]
name: "  spaced  "
batch_size = 50   ; inline comment
concurrency=4
wait_interval = 0.5
long_poll = 20 # why
[queuey]
app_key = 0123456789012345678901234567890123
connection = http://h:1/v1/queuey/#frag
`,
    });
    const config = loadConfig(dir.file('a.conf'));
    expect(config.worker.name).toBe('  spaced  ');
    expect(config.worker.batchSize).toBe(50);
    expect(config.worker.concurrency).toBe(4);
    expect(config.worker.waitInterval).toBe(0.5);
    expect(config.worker.longPoll).toBe(20);
    // digits of an app key stay text, leading zero and all
    expect(config.queuey.appKey).toBe('0123456789012345678901234567890123');
    expect(config.queuey.connection).toEqual(['http://h:1/v1/queuey/#frag']);
  });

  it('turns indented continuation lines into lists and splits comma lists', () => {
    using dir = tempDir({
      'a.conf': ini`
[partitions]
ids =
    queue-a-1

    queue-a-2
    other-3
[queuey]
connection = http://a:5001/v1/queuey/, http://b:5002/v1/queuey/
`,
    });
    const config = loadConfig(dir.file('a.conf'));
    expect(config.partitions.ids).toEqual(['queue-a-1', 'queue-a-2', 'other-3']);
    expect(config.queuey.connection).toEqual([
      'http://a:5001/v1/queuey/',
      'http://b:5002/v1/queuey/',
    ]);
  });

  it('substitutes environment variables and coerces the result to the key type', () => {
    using dir = tempDir({
      'a.conf': ini`
[qdo-worker]
batch_size = \${BATCH}
[queuey]
app_key = \${KEY}
connection = http://\${HOST}:5000/v1/queuey/
`,
    });
    const env = { BATCH: '7', KEY: 'secret', HOST: 'example.org' };
    const config = loadConfig(dir.file('a.conf'), { env });
    expect(config.worker.batchSize).toBe(7);
    expect(config.queuey.appKey).toBe('secret');
    expect(config.queuey.connection).toEqual(['http://example.org:5000/v1/queuey/']);
  });

  it('names a missing environment variable with file, section and key', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: INI text, not a template
    using dir = tempDir({ 'a.conf': '[queuey]\napp_key = ${NOPE_QDO_KEY}\n' });
    expect(problemsOf(() => loadConfig(dir.file('a.conf'), { env: {} }))).toEqual([
      expect.stringMatching(
        /a\.conf:2 \[queuey\] app_key: environment variable NOPE_QDO_KEY is not set/,
      ),
    ]);
  });

  it('inherits DEFAULT values into the sections that know the key', () => {
    using dir = tempDir({
      'a.conf': '[DEFAULT]\nconnection = zk:2181/x\n[zookeeper]\nparty_wait = 3\n',
    });
    const config = loadConfig(dir.file('a.conf'));
    expect(config.zookeeper).toEqual({ connection: 'zk:2181/x', partyWait: 3 });
    expect(config.queuey.connection).toEqual(DEFAULTS.queuey.connection);
  });

  it('merges extends files relative to the including file, the including file winning', () => {
    using dir = tempDir({
      'etc/base/base.ini':
        '[qdo-worker]\nbatch_size = 10\nconcurrency = 2\n[partitions]\nids = q-1\n',
      'etc/mid.ini': '[DEFAULT]\nextends = base/base.ini\n[qdo-worker]\nconcurrency = 3\n',
      'etc/a.conf': '[DEFAULT]\nextends = mid.ini\n[qdo-worker]\nname = top\n',
    });
    const config = loadConfig(dir.file('etc/a.conf'));
    expect(config.worker).toMatchObject({ name: 'top', batchSize: 10, concurrency: 3 });
    expect(config.partitions.ids).toEqual(['q-1']);
  });

  it('reports problems inside a base file at the base file', () => {
    using dir = tempDir({
      'base.ini': '[qdo-worker]\nbatch_size = many\n',
      'a.conf': '[DEFAULT]\nextends = base.ini\n',
    });
    expect(problemsOf(() => loadConfig(dir.file('a.conf')))).toEqual([
      expect.stringMatching(
        /base\.ini:2 \[qdo-worker\] batch_size: expected an integer, got "many"$/,
      ),
    ]);
  });

  it('rejects an extends cycle and a missing base file', () => {
    using dir = tempDir({
      'a.conf': '[DEFAULT]\nextends = b.ini\n',
      'b.ini': '[DEFAULT]\nextends = a.conf\n',
      'c.conf': '[DEFAULT]\nextends = missing.ini\n',
    });
    expect(problemsOf(() => loadConfig(dir.file('a.conf')))).toEqual([
      expect.stringMatching(
        /b\.ini:2 \[DEFAULT\] extends: extends cycle: .*a\.conf -> .*b\.ini -> .*a\.conf$/,
      ),
    ]);
    expect(problemsOf(() => loadConfig(dir.file('c.conf')))).toEqual([
      expect.stringMatching(
        /c\.conf:2 \[DEFAULT\] extends: base file .*missing\.ini: no such file$/,
      ),
    ]);
  });

  it('reads retries, retry_delay and retry_max_delay; none by default', () => {
    using dir = tempDir({
      'a.conf': '[qdo-worker]\nretries = 3\nretry_delay = 0.5\nretry_max_delay = 30\n',
      'bad.conf': '[qdo-worker]\nretries = -1\nretry_delay = soon\n',
    });
    expect(DEFAULTS.worker).toMatchObject({ retries: 0, retryDelay: 1, retryMaxDelay: 60 });
    expect(loadConfig(dir.file('a.conf')).worker).toMatchObject({
      retries: 3,
      retryDelay: 0.5,
      retryMaxDelay: 30,
    });
    expect(problemsOf(() => loadConfig(dir.file('bad.conf')))).toEqual([
      expect.stringMatching(
        /bad\.conf:2 \[qdo-worker\] retries: must be between 0 and 1000, got -1$/,
      ),
      expect.stringMatching(
        /bad\.conf:3 \[qdo-worker\] retry_delay: expected a number of seconds, got "soon"$/,
      ),
    ]);
  });

  it('reports every problem at once, one per line, naming file, section and key', () => {
    using dir = tempDir({
      'bad.conf': ini`
[qdo-worker]
batch_size = 0
concurrency = two
colour = blue
job = ./x.js:not-an-identifier
[partitions]
policy = sometimes
[queuey]
connection = ftp://x
metrics_port = 1
[nonsense]
a = 1
[zookeeper]
party_wait = true
`,
    });
    const lines = problemsOf(() => loadConfig(dir.file('bad.conf'), { requireJob: true }));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /bad\.conf:2 \[qdo-worker\] batch_size: must be between 1 and 1000, got 0$/,
        ),
        expect.stringMatching(
          /bad\.conf:3 \[qdo-worker\] concurrency: expected an integer, got "two"$/,
        ),
        expect.stringMatching(/bad\.conf:4 \[qdo-worker\] colour: unknown key/),
        expect.stringMatching(/bad\.conf:5 \[qdo-worker\] job: expected module:export/),
        expect.stringMatching(
          /bad\.conf:7 \[partitions\] policy: expected one of manual, all, automatic, got "sometimes"$/,
        ),
        expect.stringMatching(/bad\.conf:9 \[queuey\] connection: expected http\(s\) URLs/),
        expect.stringMatching(/bad\.conf:10 \[queuey\] metrics_port: unknown key/),
        expect.stringMatching(/bad\.conf:11 \[nonsense\]: unknown section/),
        expect.stringMatching(
          /bad\.conf:14 \[zookeeper\] party_wait: expected a number of seconds, got "true"$/,
        ),
      ]),
    );
    expect(lines).toHaveLength(9);
  });

  it('requires job only when asked, naming the file', () => {
    using dir = tempDir({ 'a.conf': '[qdo-worker]\nname = x\n' });
    expect(loadConfig(dir.file('a.conf')).worker.job).toBeUndefined();
    expect(problemsOf(() => loadConfig(dir.file('a.conf'), { requireJob: true }))).toEqual([
      expect.stringMatching(/a\.conf \[qdo-worker\] job: required/),
    ]);
  });

  it('takes job_batch instead of job; both at once is an error at job_batch', () => {
    using dir = tempDir({
      'batch.conf': '[qdo-worker]\njob_batch = ./jobs/b.ts:batch\n',
      'both.conf': '[qdo-worker]\njob = ./jobs/a.ts:job\njob_batch = ./jobs/b.ts:batch\n',
      'bad.conf': '[qdo-worker]\njob_batch = not a spec\n',
    });
    const worker = loadConfig(dir.file('batch.conf'), { requireJob: true }).worker;
    expect(worker.job).toBeUndefined();
    expect(worker.jobBatch).toBe(`${dir.file('jobs/b.ts')}:batch`);
    expect(problemsOf(() => loadConfig(dir.file('both.conf'), { requireJob: true }))).toEqual([
      expect.stringMatching(
        /both\.conf:3 \[qdo-worker\] job_batch: give job or job_batch, not both/,
      ),
    ]);
    expect(problemsOf(() => loadConfig(dir.file('bad.conf')))).toEqual([
      expect.stringMatching(/bad\.conf:2 \[qdo-worker\] job_batch: expected module:export/),
    ]);
  });

  it('reports an unclosed section header once, not the keys below it again', () => {
    using dir = tempDir({ 'a.conf': '[qdo-worker\njob = ./j.mjs:job\nname = x\n' });
    expect(problemsOf(() => loadConfig(dir.file('a.conf')))).toEqual([
      expect.stringMatching(/a\.conf:1: cannot parse line "\[qdo-worker"/),
    ]);
  });

  it('rejects syntax errors, duplicates and values given as lists where one is expected', () => {
    using dir = tempDir({
      'a.conf':
        'orphan = 1\n[queuey]\njunk line\napp_key = a\napp_key = b\n[qdo-worker]\nname =\n  a\n  b\n',
    });
    expect(problemsOf(() => loadConfig(dir.file('a.conf')))).toEqual([
      expect.stringMatching(/a\.conf:1: a "key = value" line before any \[section\] header$/),
      expect.stringMatching(/a\.conf:3: cannot parse line "junk line"/),
      expect.stringMatching(/a\.conf:5 \[queuey\] app_key: duplicate key$/),
      expect.stringMatching(/a\.conf:7 \[qdo-worker\] name: expected a single value, got 2 lines$/),
    ]);
  });

  it('reads embedded connections with a database path relative to the config file', () => {
    using dir = tempDir({
      'etc/a.conf': '[queuey]\nconnection = embedded\nembedded_port = 0\n',
      'etc/b.conf': '[queuey]\nconnection = embedded:../data/q.db\n',
    });
    expect(loadConfig(dir.file('etc/a.conf')).queuey.embedded).toEqual({
      db: dir.file('etc/var/queuey.db'),
      port: 0,
    });
    expect(loadConfig(dir.file('etc/b.conf')).queuey.embedded).toEqual({
      db: dir.file('data/q.db'),
      port: 5000,
    });
  });

  it('says so when the file cannot be read', () => {
    expect(problemsOf(() => loadConfig('/nonexistent/qdo.conf'))).toEqual([
      '/nonexistent/qdo.conf: cannot read config file: no such file',
    ]);
  });
});

describe('relative paths', () => {
  it('resolves hook paths and the embedded database relative to the file that wrote them', () => {
    using dir = tempDir({
      'app/etc/base.conf':
        '[qdo-worker]\njob = ../jobs/job.ts:job\njob_failure = @qdo/failure:saveFailedMessage\n[queuey]\nconnection = embedded:../var/q.db\n',
      'local/qdo.conf':
        '[DEFAULT]\nextends = ../app/etc/base.conf\n[qdo-worker]\njob_context = ./ctx.js:context\n',
    });
    const config = loadConfig(dir.file('local/qdo.conf'));
    expect(config.worker.job).toBe(`${dir.file('app/jobs/job.ts')}:job`);
    expect(config.worker.jobContext).toBe(`${dir.file('local/ctx.js')}:context`);
    expect(config.worker.jobFailure).toBe('@qdo/failure:saveFailedMessage');
    expect(config.queuey.embedded?.db).toBe(dir.file('app/var/q.db'));
  });
});
