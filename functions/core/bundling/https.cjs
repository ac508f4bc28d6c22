// node:https as a processor bundle imports it: see http.cjs beside this file.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS require is the point, see http.cjs
module.exports = require('https');
