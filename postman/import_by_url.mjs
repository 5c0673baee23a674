// What Postman's "Import -> Link" does with the server's document, from the command line: fetch /openapi.json,
// convert it with openapi-to-postmanv2 (the converter Postman's import uses) and write the collection.
//
//   node import_by_url.mjs http://127.0.0.1:8000/openapi.json imported.postman_collection.json
//
// Prints the collection's {{baseUrl}}: the first server the document names, which every request starts with.
import { writeFile } from 'node:fs/promises';
import Converter from 'openapi-to-postmanv2';

const [url, output] = process.argv.slice(2);
if (!url || !output) {
  console.error('usage: node import_by_url.mjs <url of openapi.json> <collection file to write>');
  process.exit(2);
}
const answer = await fetch(url);
if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
const document = await answer.text();
const converted = await new Promise((resolve, reject) =>
  Converter.convert({ type: 'string', data: document }, {}, (error, result) =>
    error || !result.result ? reject(error ?? new Error(result.reason)) : resolve(result.output[0].data),
  ),
);
await writeFile(output, JSON.stringify(converted, null, 2));
console.log(JSON.stringify({ baseUrl: converted.variable.find((variable) => variable.key === 'baseUrl')?.value }));
