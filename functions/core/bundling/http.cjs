// What a processor bundle's `import ... from 'node:http'` resolves to (an
// esbuild alias, lib/constructs/processor-bundling.ts): the same module
// object, loaded with require. Since Node 22, importing node:http as an ES
// module builds its namespace eagerly, and reading its lazy WebSocket
// exports loads Node's bundled undici, about 20 ms of cold start on the
// Lambda runtime for classes nothing here uses. `http`, not `node:http`,
// so the alias does not point this file at itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS require is the point, see above
module.exports = require('http');
