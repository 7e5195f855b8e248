// (c) The tarball's types under `tsc --strict`, resolved through the
// package's `exports` (`types` condition, `.`, `./react`, `./playwright`) with the two
// resolutions apps use: `bundler` (Vite, webpack) and `nodenext` (Node16+
// ESM). types/usage.ts, usage-react.tsx and usage-playwright.ts must compile; every
// types/fail/*.ts(x) must fail with exactly the error its `// ERROR TSnnnn`
// comment names, on that line (so a file that fails for
// another reason, e.g. rtcroom not resolving, fails the test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
const failDir = path.join(here, 'types/fail');
const failing = readdirSync(failDir).filter((f) => /\.tsx?$/.test(f)).sort();

const MODES = {
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
};

/** Runs tsc --strict over `files`; returns { status, diagnostics: [{file, line, code}] , output }. */
function compile(mode, files) {
  const config = path.join(here, `tsconfig.${mode}.json`);
  // rtcroom/playwright runs in Node, and Playwright's own types need Node's
  // (@types/node, as in any Playwright project) and disposables.
  const node = files.some((f) => /playwright/.test(f));
  writeFileSync(config, JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022',
      lib: ['es2022', 'dom', 'dom.iterable', ...(node ? ['esnext.disposable'] : [])], jsx: 'react-jsx',
      ...MODES[mode], types: node ? ['node'] : [], skipLibCheck: false, noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
    },
    files,
  }, null, 2));
  let output = '';
  let status = 0;
  try {
    output = execFileSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: here, encoding: 'utf8' });
  } catch (e) {
    status = e.status;
    output = `${e.stdout}${e.stderr}`;
  }
  const diagnostics = [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)]
    .map(([, file, line, code]) => ({ file: path.basename(file), line: Number(line), code }));
  return { status, diagnostics, output };
}

test('the fixtures are there', () => {
  assert.ok(failing.length >= 5, `fail fixtures: ${failing.join(', ')}`);
});

for (const mode of Object.keys(MODES)) {
  test(`usage.ts and usage-react.tsx compile under tsc --strict (moduleResolution ${mode})`, () => {
    const r = compile(mode, ['types/usage.ts', 'types/usage-react.tsx']);
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(r.diagnostics, []);
  });

  test(`usage-playwright.ts (rtcroom/playwright) compiles under tsc --strict (moduleResolution ${mode})`, () => {
    const r = compile(mode, ['types/usage-playwright.ts']);
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(r.diagnostics, []);
  });

  for (const file of failing) {
    test(`fail/${file} does not compile, with its expected error (moduleResolution ${mode})`, () => {
      const lines = readFileSync(path.join(failDir, file), 'utf8').split('\n');
      const expected = lines.flatMap((text, i) => {
        const m = /\/\/ ERROR (TS\d+)/.exec(text);
        return m ? [{ file, line: i + 1, code: m[1] }] : [];
      });
      assert.equal(expected.length, 1, `${file} must mark exactly one line with // ERROR TSnnnn`);
      const r = compile(mode, [`types/fail/${file}`]);
      assert.notEqual(r.status, 0, `${file} compiled but must not`);
      assert.deepEqual(r.diagnostics, expected, r.output);
    });
  }
}
