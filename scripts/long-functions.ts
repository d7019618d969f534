// npm run check:size — the size rules of issue 10: no function over N lines (default 60) and no
// file over 300 lines in src/. Lists every function, method, accessor, constructor and arrow
// function longer than N lines and every file longer than 300, longest first, as file:line and
// name. Exit code 1 when anything exceeds; `--report` only prints (exit code 0).
// Run: node scripts/node24.cjs scripts/long-functions.ts [--report] [--max N] [--max-file N]
// Parses through the TypeScript compiler API (typescript 7: the `unstable/sync` API, which runs
// the bundled tsgo); a function's length counts from its first token (leading comments aside)
// to its last line, nested functions included.
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Node, type SourceFile, SyntaxKind } from 'typescript/unstable/ast';
import { API } from 'typescript/unstable/sync';

interface Finding {
  kind: 'function' | 'file';
  lines: number;
  where: string;
  name: string;
}

const FUNCTION_KINDS = new Set([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

function option(args: string[], flag: string, fallback: number): number {
  const at = args.indexOf(flag);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive whole number`);
  return value;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function text(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const n = node as Node & { text?: string; escapedText?: string };
  if (typeof n.text === 'string') return n.text;
  return undefined;
}

function propertyName(node: Node): string | undefined {
  const named = node as Node & { name?: Node };
  const name = named.name;
  if (!name) return undefined;
  return text(name) ?? (name.kind === SyntaxKind.ComputedPropertyName ? '[computed]' : undefined);
}

/** A readable name: the declared name, the variable or property it is assigned to, or the call it is given to. */
function functionName(node: Node): string {
  const own = propertyName(node);
  const parent = node.parent;
  const owner = parent?.kind === SyntaxKind.ClassDeclaration ? propertyName(parent) : undefined;
  if (node.kind === SyntaxKind.Constructor) return `${owner ?? 'class'}.constructor`;
  if (own) return owner ? `${owner}.${own}` : own;
  if (!parent) return '<anonymous>';
  if (
    parent.kind === SyntaxKind.VariableDeclaration ||
    parent.kind === SyntaxKind.PropertyAssignment ||
    parent.kind === SyntaxKind.PropertyDeclaration
  ) {
    return propertyName(parent) ?? '<anonymous>';
  }
  if (parent.kind === SyntaxKind.CallExpression) {
    const callee = (parent as Node & { expression: Node }).expression;
    return `<callback of ${calleeName(callee)}>`;
  }
  return '<anonymous>';
}

function calleeName(node: Node): string {
  if (node.kind === SyntaxKind.Identifier) return text(node) ?? '?';
  if (node.kind === SyntaxKind.PropertyAccessExpression) {
    const access = node as Node & { expression: Node; name: Node };
    return `${calleeName(access.expression)}.${text(access.name) ?? '?'}`;
  }
  if (node.kind === SyntaxKind.CallExpression)
    return `${calleeName((node as Node & { expression: Node }).expression)}()`;
  return '?';
}

function measure(file: SourceFile, path: string, maxLines: number, found: Finding[]): void {
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: Node): void => {
    if (FUNCTION_KINDS.has(node.kind)) {
      const start = lineOf(node.getStart(file));
      const lines = lineOf(node.end) - start + 1;
      if (lines > maxLines) {
        found.push({ kind: 'function', lines, where: `${path}:${start + 1}`, name: functionName(node) });
      }
    }
    node.forEachChild(visit);
  };
  file.forEachChild(visit);
}

function fileLines(file: SourceFile): number {
  const body = file.text.endsWith('\n') ? file.text.slice(0, -1) : file.text;
  return body === '' ? 0 : body.split('\n').length;
}

function main(): void {
  const args = process.argv.slice(2);
  const reportOnly = args.includes('--report');
  const maxLines = option(args, '--max', 60);
  const maxFileLines = option(args, '--max-file', 300);
  const root = resolve(import.meta.dirname, '..');
  const api = new API({ cwd: root });
  const functions: Finding[] = [];
  const files: Finding[] = [];
  try {
    const snapshot = api.updateSnapshot({ openProjects: [join(root, 'tsconfig.json')] });
    const program = snapshot.getProjects()[0]!.program;
    for (const absolute of sourceFiles(join(root, 'src'))) {
      const file = program.getSourceFile(absolute);
      const path = relative(root, absolute);
      if (!file) throw new Error(`${path} is not in the tsconfig.json program`);
      measure(file, path, maxLines, functions);
      const lines = fileLines(file);
      if (lines > maxFileLines) files.push({ kind: 'file', lines, where: path, name: '' });
    }
  } finally {
    api.close();
  }
  const byLength = (a: Finding, b: Finding) => b.lines - a.lines || a.where.localeCompare(b.where);
  functions.sort(byLength);
  files.sort(byLength);
  console.log(`functions over ${maxLines} lines: ${functions.length}`);
  for (const f of functions) console.log(`  ${String(f.lines).padStart(4)}  ${f.where}  ${f.name}`);
  console.log(`files over ${maxFileLines} lines: ${files.length}`);
  for (const f of files) console.log(`  ${String(f.lines).padStart(4)}  ${f.where}`);
  if (!reportOnly && functions.length + files.length > 0) process.exitCode = 1;
}

main();
