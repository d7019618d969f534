// Dependency rules checked by `npm run lint` (issue 10): no import cycles, and layers that point one
// way. Type-only imports are left out (they vanish when Node strips the types).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A runtime import cycle: split the shared part into its own module.',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'reference-server-through-public-api',
      severity: 'error',
      comment:
        'E4: the reference server reaches the MFA step only through src/index.ts (configure(), routes()), like a host.',
      from: { path: '^src/(app|server|main)[.]ts$|^src/oidc/provider[.]ts$' },
      to: {
        path: '^src/(extension|interactions/mfa|mfa)/|^src/oidc/(interaction-policy|mfa-gate)[.]ts$|^src/core/decision[.]ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    parser: 'swc',
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^node_modules' },
  },
};
