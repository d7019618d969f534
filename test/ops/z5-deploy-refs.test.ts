// Z5: the Grafana dashboard and the Prometheus alert rules in deploy/ use only metric names that
// /metrics exports, and the rule file has the shape Prometheus loads (groups of named rules).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../support/server.ts';
import { exportedNames, scrape } from './metrics.ts';

/** Metric names in a PromQL expression: our prefixes, and any selector followed by { or [. */
function metricNames(expr: string): string[] {
  const prefixed = expr.match(/\b(?:deadbolt|nodejs|process)_[a-z0-9_]+\b/g) ?? [];
  const selectors = [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]);
  return [...new Set([...prefixed, ...selectors])];
}

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe('Z5: dashboard and alert rules reference exported metrics', function () {
  this.timeout(30_000);
  let server: TestServer;
  let exported: Set<string>;
  before(async () => {
    server = await startTestServer('embedded');
    exported = exportedNames(await scrape(server.issuer));
  });
  after(() => server?.stop());

  it('Z5: every expr in deploy/prometheus/alerts.yml names an exported metric; rules are well formed', async () => {
    const file = parse(await readFile('deploy/prometheus/alerts.yml', 'utf8')) as {
      groups: { name: string; rules: Rule[] }[];
    };
    const rules = file.groups.flatMap((g) => g.rules);
    const alerts = rules.map((r) => r.alert);
    for (const wanted of ['DeadboltFailingClosed', 'DeadboltLockoutSpike', 'DeadboltSmsCountrySpike']) {
      assert.ok(alerts.includes(wanted), `${wanted} is defined`);
    }
    for (const wanted of ['DeadboltSmsRefusedRatio', 'DeadboltStoreSlow', 'DeadboltEventLoopLag']) {
      assert.ok(alerts.includes(wanted), `${wanted} is defined`);
    }
    assert.equal(new Set(alerts).size, alerts.length, 'alert names are unique');
    for (const rule of rules) {
      assert.ok(rule.alert && rule.expr, 'every rule has a name and an expression');
      assert.ok(rule.labels?.severity, `${rule.alert} has a severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
      const names = metricNames(rule.expr);
      assert.ok(names.length > 0, `${rule.alert} reads a metric`);
      for (const name of names)
        assert.ok(exported.has(name), `${rule.alert}: ${name} is exported by /metrics`);
    }
  });

  it('Z5: every target of deploy/grafana/deadbolt.json names an exported metric', async () => {
    const dashboard = JSON.parse(await readFile('deploy/grafana/deadbolt.json', 'utf8')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    assert.ok(dashboard.uid);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      assert.ok(panel.targets.length > 0, `${panel.title} has a query`);
      for (const { expr } of panel.targets) {
        for (const name of metricNames(expr)) {
          assert.ok(exported.has(name), `${panel.title}: ${name} is exported by /metrics`);
          used.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    // The dashboard shows every fleet metric (Z5).
    for (const name of [...exported].filter(
      (n) => n.startsWith('deadbolt_') && !/_(bucket|sum|count)$/.test(n),
    )) {
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    }
  });
});
