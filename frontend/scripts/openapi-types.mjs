// Generates src/lib/types.ts from openapi.json (the server's schema, written by
// `python -m segue.api.openapi`; `make types` runs both). With --check, writes nothing and
// fails when the committed file differs from what the schema gives (npm test runs that).
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';

const schemaUrl = new URL('../openapi.json', import.meta.url);
const typesUrl = new URL('../src/lib/types.ts', import.meta.url);
const HEADER =
  '// Generated from openapi.json by scripts/openapi-types.mjs (openapi-typescript): do not edit.\n' +
  '// After changing the API: `make types` from the repository root.\n\n';

// rootTypes: `export type TrackOut = components['schemas']['TrackOut']` for each schema.
const ast = await openapiTS(JSON.parse(await readFile(schemaUrl, 'utf8')), {
  rootTypes: true,
  rootTypesNoSchemaPrefix: true,
});
const generated = HEADER + astToString(ast);

if (process.argv.includes('--check')) {
  const committed = await readFile(typesUrl, 'utf8').catch(() => '');
  if (committed !== generated) {
    console.error('src/lib/types.ts is not what openapi.json gives: run `make types` and commit both.');
    process.exit(1);
  }
} else {
  await writeFile(typesUrl, generated);
}
